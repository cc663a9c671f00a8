#include "runtime/zk/connection_state.h"

#include <spdlog/spdlog.h>

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
      arm(negotiated_timeout, "disconnected for longer than the session timeout (" +
                                  std::to_string(negotiated_timeout.count()) + " ms)");
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
