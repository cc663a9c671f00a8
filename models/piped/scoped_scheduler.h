// ScopedScheduler: the lifecycle loop as PipedController and its parts post
// to it, with every task dropped once the controller is gone.
//
// A controller leaves tasks behind that may come due after it is destroyed:
// a timer nobody cancelled, an exit the Reaper reports late, a withdrawal's
// answer. Each goes through guard(); the controller's destructor calls
// close() on the loop thread (or on its own once the loop stopped, when no
// task runs there any more), and from then on they run as nothing. The flag
// is read and written on the loop thread only.
#pragma once

#include <memory>
#include <utility>

#include "runtime/base/scheduler.h"

namespace ochopod::detail {

class ScopedScheduler final : public Scheduler {
 public:
  explicit ScopedScheduler(Scheduler& loop) : loop_(loop) {}

  void post(Task task) override { loop_.post(guard(std::move(task))); }
  TimerId post_after(Clock::duration delay, Task task) override {
    return loop_.post_after(delay, guard(std::move(task)));
  }
  void cancel(TimerId id) override { loop_.cancel(id); }
  Clock::time_point now() const override { return loop_.now(); }
  void run_sync(Task task) override { loop_.run_sync(std::move(task)); }

  // The task, made to do nothing once close() ran. Safe to post to the
  // underlying loop after this object is gone (a callback from another
  // owner that may outlive the controller).
  Task guard(Task task) const {
    return [open = open_, task = std::move(task)] {
      if (*open) task();
    };
  }
  void close() { *open_ = false; }

 private:
  Scheduler& loop_;
  std::shared_ptr<bool> open_ = std::make_shared<bool>(true);
};

}  // namespace ochopod::detail
