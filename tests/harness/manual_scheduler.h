// ManualScheduler: a Scheduler for unit tests whose clock moves only when the
// test says so. Tasks run when the test calls run_ready() or advance(), on the
// test's thread; advance() runs every timer that falls due on the way, in
// deadline order, with now() set to each one's deadline. So expiry timers,
// retries and backoffs are tested in microseconds, without sleeping.
#pragma once

#include <deque>
#include <map>
#include <utility>

#include "runtime/base/scheduler.h"

namespace ochopod::test {

class ManualScheduler : public Scheduler {
 public:
  void post(Task task) override { queue_.push_back(std::move(task)); }
  TimerId post_after(Clock::duration delay, Task task) override;
  void cancel(TimerId id) override;
  Clock::time_point now() const override { return now_; }
  void run_sync(Task task) override { task(); }  // the test's thread is the loop

  // Runs posted tasks (and what they post) until none is left.
  void run_ready();
  // Moves the clock forward by delay, running what falls due on the way.
  void advance(Clock::duration delay);
  // Time from now to the earliest timer; duration::max() if none.
  Clock::duration next_timer_in() const;
  size_t timers() const { return timers_.size(); }

 private:
  Clock::time_point now_{};
  std::deque<Task> queue_;
  std::multimap<Clock::time_point, std::pair<TimerId, Task>> timers_;
  TimerId next_id_ = 1;
};

}  // namespace ochopod::test
