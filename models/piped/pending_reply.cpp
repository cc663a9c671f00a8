#include "models/piped/pending_reply.h"

#include <algorithm>
#include <utility>

namespace ochopod::detail {

void PendingReply::hold(std::string task, Stage stage, Clock::time_point deadline,
                        Controller::Done done) {
  disarm();
  task_ = std::move(task);
  done_ = std::move(done);
  enter(stage, deadline);
}

void PendingReply::enter(Stage stage, Clock::time_point deadline) {
  stage_ = stage;
  started_ = loop_.now();
  deadline_ = deadline;
}

void PendingReply::after(Clock::duration delay, std::function<void()> next) {
  arm(delay, std::move(next));
}

void PendingReply::poll(std::function<bool()> test, std::function<void(bool passed)> end) {
  disarm();
  if (!held()) return;
  const auto now = loop_.now();
  const bool passed = test();
  if (passed || now >= deadline_) return end(passed);
  arm(std::min<Clock::duration>(kPoll, deadline_ - now),
      [this, test = std::move(test), end = std::move(end)]() mutable {
        poll(std::move(test), std::move(end));
      });
}

void PendingReply::answer(int code) {
  disarm();
  if (!held()) return;
  Controller::Done done = std::move(done_);
  done_ = nullptr;
  done(ControlReply{code, nlohmann::json::object()});
}

void PendingReply::arm(Clock::duration delay, std::function<void()> task) {
  disarm();
  const uint64_t generation = generation_;
  timer_ = loop_.post_after(delay, [this, generation, task = std::move(task)] {
    if (generation != generation_) return;
    timer_ = 0;
    task();
  });
}

void PendingReply::disarm() {
  ++generation_;
  if (timer_ != 0) loop_.cancel(timer_);
  timer_ = 0;
}

}  // namespace ochopod::detail
