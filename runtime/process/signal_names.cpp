#include "runtime/process/signal_names.h"

#include <signal.h>
#include <string.h>

#include <cctype>

#include "runtime/base/numbers.h"

namespace ochopod {

namespace {
// glibc's own table of abbreviations (sigabbrev_np: "HUP" for SIGHUP) is the
// one list of names; NSIG bounds the numbers it knows (real-time ones included).
constexpr int kLastSignal = NSIG - 1;
}  // namespace

std::optional<int> parse_signal_name(std::string_view text) {
  if (const auto n = parse_integer<int>(text)) {
    if (*n >= 1 && *n <= kLastSignal) return *n;
    return std::nullopt;
  }
  std::string upper;
  for (const char c : text) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  std::string_view name = upper;
  if (name.starts_with("SIG")) name.remove_prefix(3);
  if (name.empty()) return std::nullopt;
  for (int signo = 1; signo <= kLastSignal; ++signo) {
    const char* abbrev = ::sigabbrev_np(signo);
    if (abbrev != nullptr && name == abbrev) return signo;
  }
  return std::nullopt;
}

std::string signal_name(int signo) {
  const char* abbrev = ::sigabbrev_np(signo);
  if (abbrev == nullptr) return "signal " + std::to_string(signo);
  return std::string("SIG") + abbrev;
}

}  // namespace ochopod
