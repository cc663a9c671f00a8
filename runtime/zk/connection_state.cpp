#include "runtime/zk/connection_state.h"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace ochopod {

ConnectionState::ConnectionState(Scheduler& scheduler, Listener listener)
    : scheduler_(scheduler), listener_(std::move(listener)) {}

ConnectionState::~ConnectionState() { disarm(); }

void ConnectionState::opened(std::chrono::milliseconds connect_deadline) {
  disarm();
  state_ = State::kConnecting;
  arm(connect_deadline,
      "could not connect within " + std::to_string(connect_deadline.count()) + " ms");
}

void ConnectionState::closed() {
  disarm();
  state_ = State::kLost;
}

void ConnectionState::on_event(ZkEvent::Kind kind, std::chrono::milliseconds negotiated_timeout) {
  if (state_ == State::kLost) return;  // a dead session has nothing more to say
  switch (kind) {
    case ZkEvent::Kind::kConnected: {
      if (state_ == State::kConnected) return;
      const bool again = state_ == State::kSuspended;
      disarm();
      state_ = State::kConnected;
      listener_(again ? Change::kReconnected : Change::kConnected, "");
      return;
    }
    case ZkEvent::Kind::kSuspended:
      if (state_ != State::kConnected) return;  // still trying to connect: nothing held yet
      state_ = State::kSuspended;
      suspended_at_ = scheduler_.now();
      suspended_timeout_ = negotiated_timeout;
      arm_suspended();
      listener_(Change::kSuspended, "");
      return;
    case ZkEvent::Kind::kExpired:
      lose(Change::kLost, "session expired");
      return;
    case ZkEvent::Kind::kAuthFailed:
      lose(Change::kAuthFailed, "authentication failed");
      return;
    case ZkEvent::Kind::kWatch:
      return;
  }
}

void ConnectionState::set_patience(int timeouts) {
  timeouts = std::max(timeouts, 1);
  if (timeouts == patience_) return;
  patience_ = timeouts;
  if (state_ == State::kSuspended) arm_suspended();
}

void ConnectionState::arm_suspended() {
  const auto limit = suspended_timeout_ * patience_;
  const auto spent =
      std::chrono::duration_cast<std::chrono::milliseconds>(scheduler_.now() - suspended_at_);
  std::string why = patience_ == 1
                        ? "disconnected for longer than the session timeout (" +
                              std::to_string(suspended_timeout_.count()) + " ms)"
                        : "disconnected for longer than " + std::to_string(patience_) +
                              " session timeouts (" + std::to_string(limit.count()) + " ms)";
  arm(std::max(limit - spent, std::chrono::milliseconds(0)), std::move(why));
}

void ConnectionState::arm(std::chrono::milliseconds delay, std::string why) {
  disarm();
  const uint64_t epoch = epoch_;
  timer_ = scheduler_.post_after(delay, [this, epoch, why = std::move(why)] {
    if (epoch != epoch_) return;
    timer_ = 0;
    lose(Change::kLost, why);
  });
}

void ConnectionState::disarm() {
  ++epoch_;
  if (timer_ != 0) scheduler_.cancel(timer_);
  timer_ = 0;
}

void ConnectionState::lose(Change change, const std::string& why) {
  disarm();
  state_ = State::kLost;
  listener_(change, why);
}

}  // namespace ochopod
