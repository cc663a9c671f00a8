#include "harness/manual_scheduler.h"

namespace ochopod::test {

Scheduler::TimerId ManualScheduler::post_after(Clock::duration delay, Task task) {
  const TimerId id = next_id_++;
  timers_.emplace(now_ + delay, std::make_pair(id, std::move(task)));
  return id;
}

void ManualScheduler::cancel(TimerId id) {
  for (auto it = timers_.begin(); it != timers_.end(); ++it) {
    if (it->second.first == id) {
      timers_.erase(it);
      return;
    }
  }
}

void ManualScheduler::run_ready() {
  while (!queue_.empty()) {
    Task task = std::move(queue_.front());
    queue_.pop_front();
    task();
  }
}

void ManualScheduler::advance(Clock::duration delay) {
  const auto until = now_ + delay;
  run_ready();
  while (!timers_.empty() && timers_.begin()->first <= until) {
    now_ = timers_.begin()->first;
    Task task = std::move(timers_.begin()->second.second);
    timers_.erase(timers_.begin());
    task();
    run_ready();
  }
  now_ = until;
}

Scheduler::Clock::duration ManualScheduler::next_timer_in() const {
  if (timers_.empty()) return Clock::duration::max();
  return timers_.begin()->first - now_;
}

}  // namespace ochopod::test
