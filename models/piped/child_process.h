// ChildProcess: a Piped pod's child as a process: starting it, the board
// its exit is written on, stopping it (the asking, the grace, the SIGKILL:
// docs/lifecycle.md, "Stopping it") and the blocking waits a stop takes.
// PipedController keeps the rules (when to start, stop, restart); this keeps
// the mechanics, through a ChildHost.
//
// Owned by the controller and used on the lifecycle thread, which a stop
// blocks: the group has no event to wait for, and nothing else of the
// controller may run in between. Three calls come from other threads and
// only record and wake that wait: the exit (ChildHost's on_exit, from the
// Reaper on the signal thread), hurry() (the signal thread, a second
// SIGTERM) and stop_by() (main, the pod's stop budget). An exit no stop took
// in reaches the controller as a task on the loop (Exited).
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "models/child/spawn.h"
#include "models/piped/child_host.h"
#include "runtime/base/scheduler.h"

namespace ochopod::detail {

class ChildProcess {
 public:
  using Clock = Scheduler::Clock;
  // On the loop: the running child exited and no stop took it in (a crash,
  // an exit 0). Its status stays on the board for the stop that follows.
  using Exited = std::function<void(pid_t pid, int wait_status)>;
  // How a stop asks the child to go, called only if its group is still there.
  using Ask = std::function<void(pid_t pid)>;

  // After SIGKILL the group goes at once; this only bounds a stuck stop.
  static constexpr Clock::duration kKillWait = std::chrono::seconds(5);
  // How often a stop looks at the group (it has no event to wait for).
  static constexpr Clock::duration kGroupPoll = std::chrono::milliseconds(10);
  // How often the pod's own stop polls Piped::drained().
  static constexpr Clock::duration kDrainPoll = std::chrono::milliseconds(200);

  // The loop must drop this object's tasks once it is gone (the
  // controller's ScopedScheduler); loop and host must outlive it.
  // name: what the log calls it ("child", "job logs").
  ChildProcess(Scheduler& loop, ChildHost& host, Exited exited, std::string name = "child");
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  bool running() const { return child_ != nullptr; }
  pid_t pid() const { return pid_.load(); }        // any thread; 0 while none runs
  int started() const { return started_.load(); }  // any thread

  // Starts the child (none may run); throws std::runtime_error when it
  // cannot be started. Returns its pid, also its process group's id.
  pid_t start(const SpawnRequest& request);

  // Stops the running child: ask(), then up to grace (and the pod's stop
  // budget) for its whole group to be gone, then SIGKILL, unless soft; a
  // hurry() or the budget running out SIGKILLs even so. Returns the child's
  // wait status if it was collected (a soft stop may leave it running).
  // Blocks the loop thread.
  std::optional<int> stop(const Ask& ask, std::chrono::duration<double> grace, bool soft);

  // signo to the running child's group: false (errno set) when there is no
  // child or it could not be sent.
  bool signal(int signo);
  // SIGKILL to the group and the child, now, without waiting; forgets it.
  void kill();

  // The pod's own stop: polls drained() every kDrainPoll (on the loop thread,
  // the board unlocked) until it passes, grace or the stop budget runs out,
  // or hurry(). True when it passed.
  bool wait_drained(const std::function<bool()>& drained, std::chrono::duration<double> grace);

  // Any thread: they only record and wake a wait.
  void hurry();
  void stop_by(Clock::time_point deadline);

 private:
  struct Board;    // what the Reaper's callback and posted tasks share with us
  struct Running;  // the running child: pid, output reader

  void on_exit(pid_t pid);
  // True once the child's exit is in and its group is gone; false at the
  // deadline (or the budget's, if sooner), or on hurry() if hurry_ends.
  bool wait_gone(pid_t pgid, Clock::time_point deadline, bool hurry_ends = true);
  Clock::time_point stop_deadline() const;
  bool hurried() const;

  Scheduler& loop_;
  ChildHost& host_;
  Exited exited_;
  const std::string name_;
  std::shared_ptr<Board> board_;
  std::unique_ptr<Running> child_;
  std::atomic<pid_t> pid_{0};
  std::atomic<int> started_{0};
};

}  // namespace ochopod::detail
