// parse_signal_name() and signal_name(): the table of standard signal names.
#include "ochopod/signal_name.h"

#include <signal.h>

#include <cctype>

#include "ochopod/numbers.h"

namespace ochopod {

namespace {

struct Named {
  std::string_view name;  // without "SIG"
  int signo;
};

constexpr Named kSignals[] = {
    {"HUP", SIGHUP},   {"INT", SIGINT},       {"QUIT", SIGQUIT}, {"ILL", SIGILL},
    {"TRAP", SIGTRAP}, {"ABRT", SIGABRT},     {"BUS", SIGBUS},   {"FPE", SIGFPE},
    {"KILL", SIGKILL}, {"USR1", SIGUSR1},     {"SEGV", SIGSEGV}, {"USR2", SIGUSR2},
    {"PIPE", SIGPIPE}, {"ALRM", SIGALRM},     {"TERM", SIGTERM}, {"STKFLT", SIGSTKFLT},
    {"CHLD", SIGCHLD}, {"CONT", SIGCONT},     {"STOP", SIGSTOP}, {"TSTP", SIGTSTP},
    {"TTIN", SIGTTIN}, {"TTOU", SIGTTOU},     {"URG", SIGURG},   {"XCPU", SIGXCPU},
    {"XFSZ", SIGXFSZ}, {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF}, {"WINCH", SIGWINCH},
    {"IO", SIGIO},     {"PWR", SIGPWR},       {"SYS", SIGSYS},
};

bool same_upper(std::string_view text, std::string_view upper) {
  if (text.size() != upper.size()) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(text[i])) != upper[i]) return false;
  }
  return true;
}

}  // namespace

std::optional<int> parse_signal_name(std::string_view text) {
  if (!text.empty() && std::isdigit(static_cast<unsigned char>(text[0]))) {
    const auto n = parse_integer<int>(text);
    for (const auto& s : kSignals)
      if (n && s.signo == *n) return *n;
    return std::nullopt;
  }
  if (text.size() > 3 && same_upper(text.substr(0, 3), "SIG")) text.remove_prefix(3);
  for (const auto& s : kSignals)
    if (same_upper(text, s.name)) return s.signo;
  return std::nullopt;
}

std::string signal_name(int signo) {
  for (const auto& s : kSignals)
    if (s.signo == signo) return "SIG" + std::string(s.name);
  return "signal " + std::to_string(signo);
}

}  // namespace ochopod
