#include "runtime/control/fence.h"

#include "runtime/base/numbers.h"

namespace ochopod {

std::optional<uint64_t> parse_fence(std::string_view text) { return parse_integer<uint64_t>(text); }

FenceGate::Verdict FenceGate::admit(std::optional<std::string_view> header) {
  Verdict verdict;
  if (!header) {
    verdict.highest = highest_;
    return verdict;
  }
  verdict.fence = parse_fence(*header);
  if (!verdict.fence) {
    verdict.status = 400;
  } else if (*verdict.fence < highest_) {
    verdict.status = 409;
  } else {
    highest_ = *verdict.fence;
  }
  verdict.highest = highest_;
  return verdict;
}

bool FenceGate::restart_below(uint64_t zxid) {
  if (highest_ <= zxid) return false;
  highest_ = 0;
  return true;
}

}  // namespace ochopod
