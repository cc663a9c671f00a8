// Reaper: collects the exit status of the children the runtime started, and
// of nothing else.
//
// User callbacks may run popen()/system() and wait for those pids themselves,
// so the runtime never calls waitpid(-1): owners watch() the pids they spawned
// and the reaper waits for exactly those, by pid, when the signal thread sees
// a SIGCHLD (reap()). Orphans are not ours to reap: when the pod is PID 1, the
// separate process of pid1.h is PID 1 and reaps them; otherwise they go to
// whatever init the pod runs under (the pod is no child subreaper). Spawn
// while holding spawn_lock() so a child that dies at once cannot be missed
// before its owner watches it.
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

  // Reaps every watched child that has exited. Non-blocking.
  void reap();

 private:
  std::mutex mu_;
  std::map<pid_t, OnExit> watched_;
};

}  // namespace ochopod
