// EventLoop: one named thread that owns some state, and the only way other
// threads touch that state: they post() work to it.
//
// The coordinator (ZooKeeper presence), the lifecycle (control requests and
// the child) each own one. Timers are one-shot; cancel() is safe to call for
// a timer that already fired. The destructor stops the thread after the task
// it is running; tasks still queued are dropped (and logged as such). It is
// the runtime's Scheduler; tests use a manual one instead.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "runtime/base/scheduler.h"

namespace ochopod {

class EventLoop : public Scheduler {
 public:
  explicit EventLoop(std::string name);
  ~EventLoop() override;
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  void post(Task task) override;
  TimerId post_after(Clock::duration delay, Task task) override;
  void cancel(TimerId id) override;
  Clock::time_point now() const override { return Clock::now(); }

  // Runs task on the loop and waits for it; runs it inline when called from
  // the loop itself. Returns as soon as the task is dropped by stop() (from
  // any thread, at any moment). Never call from a ZooKeeper or HTTP callback.
  void run_sync(Task task) override;

  bool in_loop() const { return std::this_thread::get_id() == thread_.get_id(); }
  // How long the task running now has been running (zero when idle): a loop
  // stuck in one task answers nothing else (GET /healthz reads it). Any thread.
  Clock::duration busy_for() const;
  const std::string& name() const { return name_; }

  // Stops after the current task; further posts are dropped. Idempotent.
  // Returns at once: the task running then may still run.
  void stop();
  // After stop(): waits until the task that was running has ended (and what
  // it captured is destroyed), so that the caller may destroy what tasks
  // use. From the loop's own thread, returns at once.
  void wait_stopped();

 private:
  void run();

  const std::string name_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Task> queue_;
  std::multimap<Clock::time_point, std::pair<TimerId, Task>> timers_;
  TimerId next_timer_ = 1;
  bool stopping_ = false;
  bool running_ = false;  // a task runs now, outside the lock
  // Since when the running task runs, in Clock ticks; 0 when idle.
  std::atomic<Clock::rep> task_started_{0};
  std::thread thread_;  // last: starts once the members above exist
};

}  // namespace ochopod
