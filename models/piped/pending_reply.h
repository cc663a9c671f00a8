// PendingReply: the /control request whose answer waits: an `on` for
// Piped::ready(), an `off` or `kill` for leaving the dependents' view, the
// leave delay and Piped::drained() (docs/lifecycle.md, "One request at a
// time" and "Stopping it").
//
// PipedController holds at most one (the RequestQueue starts the next
// request once this one is answered) and says what each poll means; this
// keeps the answer, the stage and its one timer, and polls every kPoll up
// to the stage's deadline. Lifecycle loop only; the loop must drop its
// tasks once this is gone (the controller's ScopedScheduler).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "runtime/base/scheduler.h"
#include "runtime/control/request.h"

namespace ochopod::detail {

class PendingReply {
 public:
  using Clock = Scheduler::Clock;
  enum class Stage { kReady, kLeaving, kLingering, kDraining };
  static constexpr Clock::duration kPoll = std::chrono::milliseconds(200);

  explicit PendingReply(Scheduler& loop) : loop_(loop) {}
  PendingReply(const PendingReply&) = delete;
  PendingReply& operator=(const PendingReply&) = delete;

  bool held() const { return static_cast<bool>(done_); }
  const std::string& task() const { return task_; }
  Stage stage() const { return stage_; }
  Clock::duration waited() const { return loop_.now() - started_; }  // in this stage

  // Keeps the request's answer until answer(). deadline bounds the stage's
  // polls (max: none).
  void hold(std::string task, Stage stage, Clock::time_point deadline, Controller::Done done);
  // The next stage, from now.
  void enter(Stage stage, Clock::time_point deadline);
  // Runs next after delay, unless the reply is answered or polls first.
  void after(Clock::duration delay, std::function<void()> next);
  // test() now, then every kPoll (the last one at the deadline), until it
  // passes or the deadline comes; then end(passed), which answers or moves on.
  void poll(std::function<bool()> test, std::function<void(bool passed)> end);
  // Answers code with an empty body, cancels the timer, forgets the request.
  // Nothing held: nothing to do.
  void answer(int code);

 private:
  void arm(Clock::duration delay, std::function<void()> task);
  void disarm();

  Scheduler& loop_;
  std::string task_;
  Stage stage_ = Stage::kReady;
  Clock::time_point started_{};
  Clock::time_point deadline_ = Clock::time_point::max();
  Controller::Done done_;
  Scheduler::TimerId timer_ = 0;
  // Bumped by every arm and disarm: a timer that fired after it was
  // cancelled (already queued on the loop) finds it changed and does nothing.
  uint64_t generation_ = 0;
};

}  // namespace ochopod::detail
