// PayloadCache: the control port's last parsed /control body, so the check,
// on and ok of one round, which carry the same bytes to a pod (the whole
// `pods` map: about 530 KB at a thousand pods), are parsed once rather than
// three times (docs/protocol.md 4).
//
// Owned by the ControlServer and used on its I/O thread only. It keeps one
// body: a round's phases reach a pod one after the other, and a new round
// brings new bytes. `ok` ends a round, so its parse is handed out and not
// kept: an idle pod holds no copy of its cluster here.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "ochopod/control.h"

namespace ochopod {

class PayloadCache {
 public:
  // Bodies smaller than this are parsed every time: not worth the memory.
  static constexpr size_t kMinCached = 4096;

  // The body parsed, or null when it is not JSON. The same bytes as the
  // last kept body give the same Payload, unparsed; keep=false drops it.
  Payload parse(std::string_view body, bool keep);

  uint64_t hits() const { return hits_; }

 private:
  std::string bytes_;
  Payload parsed_;
  uint64_t hits_ = 0;
};

}  // namespace ochopod
