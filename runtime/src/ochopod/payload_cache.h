// PayloadCache: the control port's last /control body, so the check, on and
// ok of one round, which carry the same bytes to a pod (the whole `pods` map:
// about 530 KB at a thousand pods), are read once rather than three times
// (docs/protocol.md 4).
//
// A large body is validated by simdjson and kept as text (payload.h): no tree
// is built unless a controller asks for one. A small one is parsed by
// nlohmann at once, as is any text simdjson refuses (so nothing nlohmann
// accepts is refused).
//
// Owned by the ControlServer and used on its I/O thread only. It keeps one
// body: a round's phases reach a pod one after the other, and a new round
// brings new bytes. `ok` ends a round, so its body is handed out and not
// kept: an idle pod holds no copy of its cluster here.
//
// A kept body may carry the leader's id for it (body_ref.h): the next phases
// then name it instead of sending it again.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "ochopod/payload.h"

namespace ochopod {

class PayloadCache {
 public:
  // Bodies smaller than this are parsed every time: not worth the memory.
  static constexpr size_t kMinCached = 4096;

  explicit PayloadCache(size_t min_cached = kMinCached) : min_cached_(min_cached) {}

  // The body as a Payload, or null when it is not JSON. The same bytes as
  // the last kept body give the same Payload; keep=false drops it. id: the
  // sender's id for these bytes (body_ref.h), empty if none.
  Payload parse(std::string body, bool keep, std::string_view id = {});

  // The kept body of that id, or null when it is not the one kept (the
  // caller answers body_ref::kNotHeld). keep=false drops it.
  Payload held(std::string_view id, bool keep);

  // Whether the body kept now is the one of that id.
  bool holds(std::string_view id) const { return kept_ && !id.empty() && id == kept_id_; }

  uint64_t hits() const { return hits_; }

 private:
  size_t min_cached_;
  Payload kept_;  // always a text Payload
  std::string kept_id_;
  uint64_t hits_ = 0;
};

}  // namespace ochopod
