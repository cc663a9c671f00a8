#include "models/piped/child_host.h"

#include <signal.h>

#include <utility>

#include "models/child/process_group.h"

namespace ochopod::detail {

Spawned ReaperChildHost::spawn(const SpawnRequest& request, Reaper::OnExit on_exit) {
  return spawn_process(reaper_, request, std::move(on_exit));
}

bool ReaperChildHost::signal_group(pid_t pgid, int signo) { return ::kill(-pgid, signo) == 0; }

bool ReaperChildHost::signal_process(pid_t pid, int signo) { return ::kill(pid, signo) == 0; }

bool ReaperChildHost::group_alive(pid_t pgid) { return detail::group_alive(pgid); }

ChildHost::Clock::time_point ReaperChildHost::wait_until(std::unique_lock<std::mutex>& lock,
                                                         std::condition_variable& cv,
                                                         Clock::time_point until) {
  cv.wait_until(lock, until);
  return clock_.now();
}

}  // namespace ochopod::detail
