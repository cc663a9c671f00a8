#include "ochopod/reaper.h"

#include <spdlog/spdlog.h>
#include <sys/wait.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace ochopod {

void Reaper::watch_locked(pid_t pid, OnExit on_exit) { watched_[pid] = std::move(on_exit); }

void Reaper::reap() {
  for (;;) {
    int status = 0;
    OnExit owner;
    pid_t pid;
    {
      std::lock_guard<std::mutex> lock(mu_);
      pid = ::waitpid(-1, &status, WNOHANG);
      if (pid <= 0) {
        if (pid < 0 && errno != ECHILD) spdlog::warn("waitpid failed: {}", std::strerror(errno));
        return;
      }
      auto it = watched_.find(pid);
      if (it == watched_.end()) {
        ++orphans_;
      } else {
        owner = std::move(it->second);
        watched_.erase(it);
      }
    }
    if (owner) {
      owner(pid, status);
    } else {
      spdlog::debug("reaped orphan pid {} ({})", pid, describe_wait_status(status));
    }
  }
}

int Reaper::orphans_reaped() const {
  std::lock_guard<std::mutex> lock(mu_);
  return orphans_;
}

std::string describe_wait_status(int wait_status) {
  if (WIFEXITED(wait_status)) return "exit code " + std::to_string(WEXITSTATUS(wait_status));
  if (WIFSIGNALED(wait_status)) {
    const int sig = WTERMSIG(wait_status);
    return "signal " + std::to_string(sig) + " (" + strsignal(sig) + ")";
  }
  return "wait status " + std::to_string(wait_status);
}

}  // namespace ochopod
