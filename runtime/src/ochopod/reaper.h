// Reaper: the one place that calls waitpid, so the pod can be PID 1.
//
// A PID 1 inherits every orphan in its container and must reap them, but a
// waitpid(-1) would also steal the exit status of the pod's own child. So all
// reaping goes through here: owners watch() the pids they spawned and get
// their status back; every other pid is reaped and logged. reap() is called by
// the signal thread on SIGCHLD. Spawn while holding spawn_lock() so a child
// that dies at once cannot be reaped before its owner watches it.
#pragma once

#include <sys/types.h>

#include <functional>
#include <map>
#include <mutex>

namespace ochopod {

class Reaper {
 public:
  // Called on the signal thread with the raw wait status: post, do not block.
  using OnExit = std::function<void(pid_t pid, int wait_status)>;

  std::unique_lock<std::mutex> spawn_lock() { return std::unique_lock<std::mutex>(mu_); }

  // Must be called with spawn_lock() held, right after the fork.
  void watch_locked(pid_t pid, OnExit on_exit);

  // Reaps every child that has exited. Non-blocking.
  void reap();

  // How many orphans (pids nobody watched) were reaped so far.
  int orphans_reaped() const;

 private:
  mutable std::mutex mu_;
  std::map<pid_t, OnExit> watched_;
  int orphans_ = 0;
};

// Text for a wait status: "exit code 3", "signal 9 (Killed)".
std::string describe_wait_status(int wait_status);

}  // namespace ochopod
