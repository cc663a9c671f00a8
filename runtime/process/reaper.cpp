#include "runtime/process/reaper.h"

#include <spdlog/spdlog.h>
#include <sys/wait.h>

#include <cerrno>
#include <cstring>
#include <utility>
#include <vector>

namespace ochopod {

void Reaper::watch_locked(pid_t pid, OnExit on_exit) { watched_[pid] = std::move(on_exit); }

void Reaper::reap() {
  std::vector<std::pair<pid_t, int>> exited;
  std::vector<OnExit> owners;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto it = watched_.begin(); it != watched_.end();) {
      int status = 0;
      const pid_t pid = ::waitpid(it->first, &status, WNOHANG);
      if (pid == 0 || (pid < 0 && errno == EINTR)) {
        ++it;
        continue;
      }
      if (pid < 0) {
        // Someone else took it (a callback's waitpid(-1)): its status is lost.
        spdlog::error("waitpid({}) failed: {}; its exit status is lost", it->first,
                      std::strerror(errno));
        status = -1;
      }
      exited.emplace_back(it->first, status);
      owners.push_back(std::move(it->second));
      it = watched_.erase(it);
    }
  }
  for (size_t i = 0; i < exited.size(); ++i) owners[i](exited[i].first, exited[i].second);
}

}  // namespace ochopod
