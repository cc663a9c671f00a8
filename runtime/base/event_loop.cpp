#include "runtime/base/event_loop.h"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <future>

namespace ochopod {

EventLoop::EventLoop(std::string name) : name_(std::move(name)), thread_([this] { run(); }) {}

EventLoop::~EventLoop() {
  stop();
  if (thread_.joinable()) thread_.join();
}

void EventLoop::stop() {
  std::deque<Task> dropped;
  std::multimap<Clock::time_point, std::pair<TimerId, Task>> dropped_timers;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    stopping_ = true;
    dropped.swap(queue_);
    dropped_timers.swap(timers_);
    cv_.notify_all();
  }
  if (!dropped.empty() || !dropped_timers.empty()) {
    spdlog::debug("{}: stopping with {} task(s) and {} timer(s) dropped", name_, dropped.size(),
                  dropped_timers.size());
  }
  // Destroyed here, now, and outside the lock: whoever waits on what a
  // dropped task captured (a promise) hears at once that it will never run.
}

void EventLoop::wait_stopped() {
  if (in_loop()) return;
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [this] { return stopping_ && !running_; });
}

void EventLoop::post(Task task) {
  std::lock_guard<std::mutex> lock(mu_);
  if (stopping_) return;
  queue_.push_back(std::move(task));
  cv_.notify_one();
}

EventLoop::TimerId EventLoop::post_after(Clock::duration delay, Task task) {
  std::lock_guard<std::mutex> lock(mu_);
  const TimerId id = next_timer_++;
  if (stopping_) return id;
  timers_.emplace(Clock::now() + delay, std::make_pair(id, std::move(task)));
  cv_.notify_one();
  return id;
}

void EventLoop::cancel(TimerId id) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = timers_.begin(); it != timers_.end(); ++it) {
    if (it->second.first == id) {
      timers_.erase(it);
      return;
    }
  }
}

void EventLoop::run_sync(Task task) {
  if (in_loop()) {
    task();
    return;
  }
  // The posted task owns the promise: if stop() drops it, queued or not yet
  // queued, its destruction breaks the promise and wakes us; nothing on this
  // stack is touched once we return.
  auto done = std::make_shared<std::promise<void>>();
  auto future = done->get_future();
  post([task = std::move(task), done = std::move(done)] {
    task();
    done->set_value();
  });
  future.wait();
}

EventLoop::Clock::duration EventLoop::busy_for() const {
  const Clock::rep started = task_started_.load(std::memory_order_relaxed);
  if (started == 0) return Clock::duration::zero();
  return Clock::now() - Clock::time_point(Clock::duration(started));
}

void EventLoop::run() {
  // Thread names show in top, gdb and /proc: 15 bytes at most.
  pthread_setname_np(pthread_self(), name_.substr(0, 15).c_str());
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    const auto now = Clock::now();
    if (!timers_.empty() && timers_.begin()->first <= now) {
      Task task = std::move(timers_.begin()->second.second);
      timers_.erase(timers_.begin());
      queue_.push_back(std::move(task));
    }
    if (!queue_.empty()) {
      Task task = std::move(queue_.front());
      queue_.pop_front();
      running_ = true;
      lock.unlock();
      task_started_.store(Clock::now().time_since_epoch().count(), std::memory_order_relaxed);
      try {
        task();
      } catch (const std::exception& e) {
        spdlog::error("{}: task failed: {}", name_, e.what());
      }
      task_started_.store(0, std::memory_order_relaxed);
      // Destroyed before the loop is called idle: its captures may be
      // what wait_stopped()'s caller destroys next.
      task = nullptr;
      lock.lock();
      running_ = false;
      if (stopping_) cv_.notify_all();
      continue;
    }
    if (timers_.empty()) {
      cv_.wait(lock);
    } else {
      // A copy: wait_until reads its deadline again after waking, and the
      // timer's node may be gone by then (cancel(), stop() from elsewhere).
      const Clock::time_point due = timers_.begin()->first;
      cv_.wait_until(lock, due);
    }
  }
}

}  // namespace ochopod
