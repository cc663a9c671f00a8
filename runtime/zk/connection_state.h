// ConnectionState: what the coordinator may assume of its ZooKeeper session,
// the policy of Curator's ConnectionStateManager with a local expiry timer.
//
//   connecting --connected--> connected --connection lost--> suspended
//   suspended --reconnected in time--> connected (same session, same nodes)
//   any --expired / auth failed / timer--> lost (the session is dead)
//
// A partitioned client never hears of its expiry (the server tells it only
// once it reconnects), so suspended turns to lost after a number of
// negotiated session timeouts on our own clock (its patience: one unless the
// owner says otherwise); a new session that never connects is given up after
// the deadline passed to opened(). Lives on the coordinator's scheduler:
// on_event() and the timers run there, and so does the listener.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "runtime/base/scheduler.h"
#include "runtime/zk/session.h"

namespace ochopod {

class ConnectionState {
 public:
  enum class State { kConnecting, kConnected, kSuspended, kLost };
  enum class Change {
    kConnected,    // a new session is up
    kReconnected,  // the same session is back in time
    kSuspended,    // connection lost; the session may live on
    kLost,         // expired, or assumed so
    kAuthFailed,   // the server refused our credentials; the session is dead
  };
  using Listener = std::function<void(Change change, const std::string& why)>;

  ConnectionState(Scheduler& scheduler, Listener listener);
  ~ConnectionState();
  ConnectionState(const ConnectionState&) = delete;
  ConnectionState& operator=(const ConnectionState&) = delete;

  // A new session was opened: it must connect within connect_deadline.
  void opened(std::chrono::milliseconds connect_deadline);
  // A session event from the client (kWatch is ignored). negotiated_timeout
  // is the session's, read when the event is handled.
  void on_event(ZkEvent::Kind kind, std::chrono::milliseconds negotiated_timeout);
  // The owner dropped the session itself: no timer, no further change.
  void closed();
  // How many negotiated session timeouts a suspended session is given on
  // our clock before it counts as lost (at least 1). One is what a leader
  // must wait at most: after that another pod may lead. A follower holds
  // nothing another pod could take, so it may wait longer for the server's
  // own word (expired, or the same session back) rather than open a new
  // session on a server that is only slow. Changed while suspended, the
  // time already spent suspended counts.
  void set_patience(int timeouts);

  State state() const { return state_; }
  bool connected() const { return state_ == State::kConnected; }

 private:
  void arm(std::chrono::milliseconds delay, std::string why);
  void arm_suspended();
  void disarm();
  void lose(Change change, const std::string& why);

  Scheduler& scheduler_;
  Listener listener_;
  State state_ = State::kLost;
  Scheduler::TimerId timer_ = 0;
  int patience_ = 1;
  Scheduler::Clock::time_point suspended_at_{};
  std::chrono::milliseconds suspended_timeout_{0};  // the negotiated one, when suspended
  uint64_t epoch_ = 0;  // a timer already handed to the queue when cancelled must not act
};

}  // namespace ochopod
