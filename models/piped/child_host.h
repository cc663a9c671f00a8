// ChildHost: how a Piped pod's child is started, signalled and waited for;
// the seam between the supervision rules and the operating system, so that
// the rules are unit-tested without a process or a clock.
//
// ChildProcess (child_process.h) calls it on the lifecycle thread. The exit
// it asks to hear of comes through on_exit: from ReaperChildHost, the real
// one, on the signal thread (the Reaper's); from the tests' fake
// (tests/unit/models/piped/fake_child_host.h) when a test ends the child.
#pragma once

#include <sys/types.h>

#include <condition_variable>
#include <mutex>

#include "models/child/spawn.h"
#include "runtime/base/scheduler.h"
#include "runtime/process/reaper.h"

namespace ochopod::detail {

class ChildHost {
 public:
  using Clock = Scheduler::Clock;

  virtual ~ChildHost() = default;

  // Starts the child in a process group of its own (pgid == pid). on_exit
  // gets its wait status once, on any thread: it must only record and post.
  // Throws std::runtime_error when the command cannot be started.
  virtual Spawned spawn(const SpawnRequest& request, Reaper::OnExit on_exit) = 0;

  // kill(2) to the process group pgid, or to the one process pid; false,
  // with errno set, when the signal could not be sent.
  virtual bool signal_group(pid_t pgid, int signo) = 0;
  virtual bool signal_process(pid_t pid, int signo) = 0;

  // Whether the group still has a live member (a zombie is none).
  virtual bool group_alive(pid_t pgid) = 0;

  // A stop's blocking wait: releases lock until cv is notified or the loop's
  // clock reaches until, takes it again, and returns the time then.
  virtual Clock::time_point wait_until(std::unique_lock<std::mutex>& lock,
                                       std::condition_variable& cv, Clock::time_point until) = 0;
};

// The real one: spawn_process() with the exit through the Reaper, kill(2),
// group_alive() (process_group.h), and waits on the clock the loop reads,
// the steady clock (EventLoop's).
class ReaperChildHost final : public ChildHost {
 public:
  // Both must outlive this object.
  ReaperChildHost(Reaper& reaper, const Scheduler& clock) : reaper_(reaper), clock_(clock) {}

  Spawned spawn(const SpawnRequest& request, Reaper::OnExit on_exit) override;
  bool signal_group(pid_t pgid, int signo) override;
  bool signal_process(pid_t pid, int signo) override;
  bool group_alive(pid_t pgid) override;
  Clock::time_point wait_until(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                               Clock::time_point until) override;

 private:
  Reaper& reaper_;
  const Scheduler& clock_;
};

}  // namespace ochopod::detail
