// Scheduler: where an owner's work runs, and when.
//
// The seam between the ZooKeeper recipes and time. EventLoop implements it
// with a thread and the steady clock; unit tests implement it with a manual
// clock they advance by hand, so expiry timers and backoffs are tested
// without sleeping. post() and cancel() may be called from any thread;
// tasks and timers run on the scheduler's own thread, one at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>

namespace ochopod {

class Scheduler {
 public:
  using Task = std::function<void()>;
  using Clock = std::chrono::steady_clock;
  using TimerId = uint64_t;  // 0 is never a live timer

  virtual ~Scheduler() = default;

  virtual void post(Task task) = 0;
  virtual TimerId post_after(Clock::duration delay, Task task) = 0;
  // Safe for a timer that already fired, or for 0.
  virtual void cancel(TimerId id) = 0;
  virtual Clock::time_point now() const = 0;
  // Runs task on the scheduler and waits for it (inline when already there);
  // returns without running it if the scheduler stopped first.
  virtual void run_sync(Task task) = 0;
};

}  // namespace ochopod
