// fast_json: reading large JSON texts without building a tree.
//
// Every check, on and ok brings a pod the whole `pods` map (docs/protocol.md
// 4; its size and costs: docs/internals.md, "How a request flows"), and
// building an nlohmann tree of it costs milliseconds a large cluster pays
// three times per pod and round. This
// module is the one place that reads such texts with simdjson, which
// validates one in a fraction of a millisecond, and hands out plain facts
// and spans of the text; the tree is built later, only if someone reads it.
// It walks the text with simdjson's On-Demand API, which writes no tape and
// no copy of the strings: a pod's first body of a large cluster is the one
// it validates whole (docs/internals.md, "What a pod costs as its cluster
// grows").
//
// Used by the control server's PayloadCache (is this body JSON, is it a
// leader's payload) and by Cluster::from_text (key, index, seq, size and the
// `pods` member's text). Pure functions: any thread.
//
// Where simdjson refuses a text nlohmann accepts (integers beyond 64 bits,
// nesting deeper than 1024, a lone scalar), the callers fall back to
// nlohmann, so what the pod accepts does not change.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ochopod::fast_json {

// What a pod needs of a configuration payload (docs/protocol.md 4), read
// without building its `pods` tree: the same values Cluster::from_payload
// derives, duplicate members resolved as nlohmann does (the last one wins).
struct PayloadFacts {
  std::string key;
  int index = 0;
  int64_t seq = 0;
  int size = 0;
  // The "pods" object's JSON text: where it is in the payload's text when it
  // is written there plainly and once (the usual case, nothing copied),
  // else re-serialized into pods_text.
  std::optional<std::pair<size_t, size_t>> pods_at;  // offset, length
  std::string pods_text;
  std::string dependencies_text;  // the "dependencies" object's, "{}" if absent
};
// nullopt with *error set when the text is not such a payload (a readable
// reason), or with *error empty when simdjson could not read it, or not
// exactly (a top-level name written with escapes, "pods" given twice), and
// the caller should try nlohmann.
std::optional<PayloadFacts> payload_facts(std::string_view text, std::string* error);

// A JSON text simdjson accepts. has_pods: an object with a "pods" member.
// With read_facts, a leader's payload also gets its facts from the same
// parse (none when it is not of that shape: Cluster::from_text says why).
struct Outline {
  bool valid = false;
  bool has_pods = false;
  std::optional<PayloadFacts> facts;
};
// The bytes simdjson may read past a text's end.
inline constexpr size_t kPadding = 64;
// padded: at least kPadding written bytes follow the text (a string's spare
// capacity), so simdjson reads it where it is instead of copying it into a
// padded buffer of its own: fresh pages for every check, each a page
// fault.
Outline outline(std::string_view text, bool read_facts = false, bool padded = false);

// The raw text of the value of member `key` (written without escapes) at
// the top level of a JSON object, the last one when it repeats. text must be
// valid JSON already (outline()); nullopt when no such member is written so.
// last_member: the caller knows (from a parse) that `key` is the object's
// last member and written once, as an ochopod leader writes "pods": its
// value then ends where the object does, and is not walked.
std::optional<std::string_view> member_text(std::string_view text, std::string_view key,
                                            bool last_member = false);

// One member of an object's text: where its name is (between the quotes, as
// written), where its value starts and where the whole `"name":value` is,
// as offsets into the text the object was read from.
struct MemberSpan {
  size_t name_at = 0, name_length = 0;
  size_t at = 0, length = 0;
  size_t value_at = 0;
  bool operator==(const MemberSpan&) const = default;
};
// The members of the object written at text[at, at + length), in order.
// text must be valid JSON already. nullopt unless every name is written
// without escapes and the names are strictly ascending (bytewise, the order
// nlohmann keeps): the only objects a body diff (body_diff.h) can edit.
std::optional<std::vector<MemberSpan>> sorted_members(std::string_view text, size_t at,
                                                      size_t length);

}  // namespace ochopod::fast_json
