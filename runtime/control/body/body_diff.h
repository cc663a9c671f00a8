// Body diff: a round's check sent as what changed since the body a pod kept
// from the last round (docs/protocol.md 7, "A check sent as what changed").
//
// A check carries the whole `pods` map, the large part of a round's body, to
// every pod, and each pod validates all of it: every round, for one pod that
// joined or left. A pod of ours keeps the body of the round that last
// configured it (PayloadCache), already validated; the leader then sends it
// the next check as a small JSON object,
//
//   {"added":{uuid: registration, ...},"dependencies":{...},"gone":[uuid, ...],"key":"<receiver>"}
//
// and the pod splices the registrations it keeps with those that came,
// which gives, byte for byte, the body the leader would have sent whole. The
// pod validates the diff alone: the rest was validated when it came.
//
// The writer is the leader's round (models/reactive/round.cpp); the reader the control
// server's PayloadCache (on its I/O thread). Pure functions: any thread.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/control/body/fast_json.h"

namespace ochopod::body_diff {

// The diff from base_pods to pods, without its receiver: head + the
// receiver's key as JSON text + "}" is the body. changed: how many
// registrations it carries plus how many pods it drops.
struct Written {
  std::string head;
  size_t changed = 0;
};
Written write(const nlohmann::json& base_pods, const nlohmann::json& pods,
              const nlohmann::json& dependencies);

// The body a diff gives: its text, what a pod reads of it, and where its
// pods' members are (so the next diff needs no scan of it).
struct Applied {
  std::string text;
  fast_json::PayloadFacts facts;
  std::vector<fast_json::MemberSpan> members;
};

// base_text: the kept body; base_members: its pods' members, offsets into
// base_text (fast_json::sorted_members). The body is written into `into`
// and its members into `members_into`, whose buffers are reused (the
// caller's spares: RecycledText, PayloadCache). nullopt with *error set when the
// diff is not one (not JSON, or not of the shape above). padded: at least
// fast_json::kPadding written bytes follow diff_text (fast_json::outline).
// A diff written as a leader writes one is read without building a tree
// of it (a formation's diffs carry hundreds of registrations).
std::optional<Applied> apply(std::string_view base_text,
                             const std::vector<fast_json::MemberSpan>& base_members,
                             std::string_view diff_text, std::string* error, std::string into = {},
                             bool padded = false,
                             std::vector<fast_json::MemberSpan> members_into = {});

}  // namespace ochopod::body_diff
