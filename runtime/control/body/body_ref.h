// Body by reference: an opt-in extension of the round (docs/protocol.md 7,
// "A body sent once") that spares a pod receiving the same large body three
// times per round.
//
// The leader sends each phase's body with an id of its own choosing. A pod
// that kept that body says so in its answer; the leader then sends the next
// phases with that id and no body. A pod that no longer holds it answers
// 412 and gets the whole body again. Python pods never answer with the id,
// so they always get whole bodies; a Python leader never sends one, so our
// pods read every body as before.
//
// A body named by our leader is kept past `ok` too, and the next round's
// check may then come as a diff against it (body_diff.h), naming it as its
// base; a pod that no longer holds the base answers 412 as well.
//
// Used by the control server (runtime) and the leader's round (models).
#pragma once

#include <string_view>

namespace ochopod::body_ref {

// Request: the id of the body it carries.
inline constexpr const char* kId = "X-Ochopod-Body-Id";
// Answer: the pod kept the body of that id for the next phases.
inline constexpr const char* kKept = "X-Ochopod-Body-Kept";
// Request without a body: use the kept body of that id.
inline constexpr const char* kRef = "X-Ochopod-Body-Ref";
// Request whose body is a diff (body_diff.h): the id of the kept body it
// applies to. The request's own id names the body it gives.
inline constexpr const char* kBase = "X-Ochopod-Body-Base";
// The answer to a reference the pod does not hold.
inline constexpr int kNotHeld = 412;

// What a pod accepts as an id: 1 to 64 letters, digits or '-'. Anything else
// is ignored (the body is read, not kept under it).
inline bool valid_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (const char c : id) {
    const bool ok =
        (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace ochopod::body_ref
