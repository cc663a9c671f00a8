#include "runtime/base/wait_status.h"

#include <sys/wait.h>

#include <cstring>

namespace ochopod {

std::string describe_wait_status(int wait_status) {
  if (wait_status == -1) return "unknown status";
  if (WIFEXITED(wait_status)) return "exit code " + std::to_string(WEXITSTATUS(wait_status));
  if (WIFSIGNALED(wait_status)) {
    const int sig = WTERMSIG(wait_status);
    return "signal " + std::to_string(sig) + " (" + strsignal(sig) + ")";
  }
  return "wait status " + std::to_string(wait_status);
}

std::optional<int> shell_exit_code(int wait_status) {
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return std::nullopt;
}

}  // namespace ochopod
