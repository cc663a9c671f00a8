// FakeChildHost: a ChildHost (models/piped/child_host.h) with no process
// behind it, for the unit tests of PipedController and ChildProcess.
//
// It records every spawn and signal, says a group is alive until the test
// ends its child (exit(), which calls on_exit as the Reaper would, on the
// test's thread) or a SIGKILL ends it, and can keep a group alive after its
// child (a grandchild left behind: lingering). A stop's blocking wait takes
// no time: wait_until() runs on_wait (the test's hook, the lock released, as
// a real wait releases it) and returns the time it was to wake at, so a
// grace or a budget shows in what the fake saw (waited_until) rather than in
// a clock. Its pids are above any kernel's pid_max: a stray kill(2) on one
// reaches no process. Lives here, not in tests/harness/, because the harness
// sits on the runtime (tests/unit/house_test.py).
#pragma once

#include <sys/types.h>

#include <functional>
#include <optional>
#include <vector>

#include "models/piped/child_host.h"

namespace ochopod::test {

class FakeChildHost final : public detail::ChildHost {
 public:
  struct Child {
    pid_t pid = 0;
    detail::SpawnRequest request;
    Reaper::OnExit on_exit;
    bool exited = false;
    bool group_alive = true;
    bool lingering = false;  // the group outlives the child until a SIGKILL
  };
  struct Signal {
    pid_t pid = 0;
    int signo = 0;
    bool group = false;  // to the process group, rather than the one process
  };

  detail::Spawned spawn(const detail::SpawnRequest& request, Reaper::OnExit on_exit) override;
  // SIGKILL ends the group, and the child if it still runs; other signals
  // only go to on_signal.
  bool signal_group(pid_t pgid, int signo) override;
  bool signal_process(pid_t pid, int signo) override;
  bool group_alive(pid_t pgid) override;
  Clock::time_point wait_until(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                               Clock::time_point until) override;

  // The test's side.
  // The child ends with this wait status; its group too unless lingering.
  void exit(pid_t pid, int wait_status);
  void exit_code(pid_t pid, int code) { exit(pid, code << 8); }
  void killed_by(pid_t pid, int signo) { exit(pid, signo); }

  pid_t last_pid() const { return children_.empty() ? 0 : children_.back().pid; }
  const std::vector<Child>& children() const { return children_; }
  const Child* child(pid_t pid) const;
  const std::vector<Signal>& signals() const { return signals_; }
  // The signals that went to pid (or its group), in order.
  std::vector<int> signals_to(pid_t pid) const;

  // Set before a spawn: it throws, as a command that cannot start does.
  bool refuse_spawn = false;
  // Set before a spawn: that child's group outlives it.
  bool lingering = false;
  // A signal that reached a known child: a test makes it react (exit).
  std::function<void(pid_t pid, int signo)> on_signal;
  // A blocking wait: called with the time it would wake at.
  std::function<void(Clock::time_point until)> on_wait;
  // The last blocking wait's end, and how many there were.
  std::optional<Clock::time_point> waited_until;
  int waits = 0;

 private:
  Child* find(pid_t pid);

  std::vector<Child> children_;
  std::vector<Signal> signals_;
  pid_t next_pid_ = 1'000'000'001;
};

}  // namespace ochopod::test
