// Payload: a /control request's body, shared rather than copied, and parsed
// into a tree only when someone reads it as one.
//
// A round's check, on and ok carry the same bytes to a pod (the whole `pods`
// map, docs/protocol.md 4; its size: docs/internals.md). The control
// server's PayloadCache hands the three the same Payload; a large one keeps
// the text it came as, already validated (fast_json.h), so a pod's Piped
// gets its Cluster from the same parse that validated the text (its pods map
// a span of that text), and the nlohmann tree is built only if a controller
// dereferences the Payload.
//
// Built on the control server's I/O thread, read on the lifecycle thread:
// immutable once built, and the lazy parse is guarded by a once_flag.
#pragma once

#include <cstddef>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "ochopod/cluster.h"
#include "runtime/control/body/fast_json.h"

namespace ochopod {

class Payload {
 public:
  Payload() = default;
  Payload(std::nullptr_t) {}  // NOLINT: "no body" reads as null

  // A body already parsed.
  static Payload of(nlohmann::json value);
  // A body fast_json::outline() accepted, kept as text. has_pods: it is an
  // object with a "pods" member (a leader's payload).
  static Payload of_text(std::string text, bool has_pods);
  // The same with what the outline read: a leader's payload read with
  // facts also carries its Cluster, its pods map a span of this text.
  static Payload of_text(std::string text, fast_json::Outline outline);
  // The same over a text shared already (its owner may recycle its buffer
  // once the last Payload and Cluster holding it are gone).
  static Payload of_text(std::shared_ptr<const std::string> text, fast_json::Outline outline);

  explicit operator bool() const { return state_ != nullptr; }
  void reset() { state_.reset(); }

  // The tree, parsed from the text on first use. A text simdjson accepted
  // and nlohmann refuses (none is known) reads as null, with a log line.
  const nlohmann::json& operator*() const;
  const nlohmann::json* operator->() const { return &**this; }

  // The bytes it came as, or null when it was built from a tree.
  const std::string* text() const;
  bool has_pods() const;
  // The Cluster read along with the text's validation, or null (a tree, a
  // small body, or a payload of the wrong shape: Cluster::from_text says why).
  const Cluster* cluster() const;

  // Identity: the same body, shared.
  friend bool operator==(const Payload& a, const Payload& b) { return a.state_ == b.state_; }
  friend bool operator!=(const Payload& a, const Payload& b) { return a.state_ != b.state_; }

 private:
  struct State;
  std::shared_ptr<State> state_;
};

inline Payload make_payload(nlohmann::json body) { return Payload::of(std::move(body)); }

}  // namespace ochopod
