// ConnectionState on a manual clock: suspended turns to lost after exactly
// one negotiated session timeout (or as many as its patience says), unless
// the connection comes back first.
#include "runtime/zk/connection_state.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "harness/manual_scheduler.h"

namespace ochopod {
namespace {

using namespace std::chrono_literals;
using Change = ConnectionState::Change;
using Kind = ZkEvent::Kind;

class ConnectionStateTest : public ::testing::Test {
 protected:
  test::ManualScheduler clock;
  std::vector<Change> changes;
  std::string last_why;
  ConnectionState state{clock, [this](Change c, const std::string& why) {
                          changes.push_back(c);
                          last_why = why;
                        }};
  static constexpr auto kTimeout = 4000ms;
};

TEST_F(ConnectionStateTest, SuspendedIsLostAfterOneNegotiatedTimeoutOnOurClock) {
  state.opened(2 * kTimeout);
  state.on_event(Kind::kConnected, kTimeout);
  state.on_event(Kind::kSuspended, kTimeout);
  EXPECT_EQ(changes, (std::vector<Change>{Change::kConnected, Change::kSuspended}));
  clock.advance(kTimeout - 1ms);
  EXPECT_EQ(state.state(), ConnectionState::State::kSuspended);
  clock.advance(1ms);
  EXPECT_EQ(changes.back(), Change::kLost);
  EXPECT_NE(last_why.find("session timeout"), std::string::npos);
  EXPECT_EQ(state.state(), ConnectionState::State::kLost);
  EXPECT_EQ(clock.timers(), 0u);
}

TEST_F(ConnectionStateTest, BackInTimeKeepsTheSessionAndDisarmsTheTimer) {
  state.opened(2 * kTimeout);
  state.on_event(Kind::kConnected, kTimeout);
  state.on_event(Kind::kSuspended, kTimeout);
  clock.advance(kTimeout - 1ms);
  state.on_event(Kind::kConnected, kTimeout);
  clock.advance(10 * kTimeout);
  EXPECT_EQ(changes,
            (std::vector<Change>{Change::kConnected, Change::kSuspended, Change::kReconnected}));
  EXPECT_TRUE(state.connected());
  // A second loss gets a full timeout again.
  state.on_event(Kind::kSuspended, kTimeout);
  clock.advance(kTimeout - 1ms);
  EXPECT_EQ(changes.back(), Change::kSuspended);
  clock.advance(1ms);
  EXPECT_EQ(changes.back(), Change::kLost);
}

TEST_F(ConnectionStateTest, WithPatienceSuspendedIsLostAfterThatManyTimeouts) {
  state.set_patience(3);
  state.opened(2 * kTimeout);
  state.on_event(Kind::kConnected, kTimeout);
  state.on_event(Kind::kSuspended, kTimeout);
  clock.advance(3 * kTimeout - 1ms);
  EXPECT_EQ(state.state(), ConnectionState::State::kSuspended);
  clock.advance(1ms);
  EXPECT_EQ(changes.back(), Change::kLost);
  EXPECT_NE(last_why.find("3 session timeouts (12000 ms)"), std::string::npos) << last_why;
}

TEST_F(ConnectionStateTest, PatienceChangedWhileSuspendedCountsTheTimeAlreadySpent) {
  state.set_patience(3);
  state.opened(2 * kTimeout);
  state.on_event(Kind::kConnected, kTimeout);
  state.on_event(Kind::kSuspended, kTimeout);
  clock.advance(2 * kTimeout);
  state.set_patience(1);  // already past one timeout: lost at once
  clock.advance(0ms);
  EXPECT_EQ(changes.back(), Change::kLost);

  state.opened(2 * kTimeout);
  state.on_event(Kind::kConnected, kTimeout);
  state.on_event(Kind::kSuspended, kTimeout);
  clock.advance(kTimeout / 2);
  state.set_patience(2);  // 1.5 timeouts more
  clock.advance(kTimeout * 3 / 2 - 1ms);
  EXPECT_EQ(state.state(), ConnectionState::State::kSuspended);
  clock.advance(1ms);
  EXPECT_EQ(state.state(), ConnectionState::State::kLost);
  EXPECT_EQ(clock.timers(), 0u);
}

TEST_F(ConnectionStateTest, ASessionThatNeverConnectsIsGivenUpAtTheDeadline) {
  state.opened(2 * kTimeout);
  state.on_event(Kind::kSuspended, kTimeout);  // still connecting: nothing held, nothing said
  EXPECT_TRUE(changes.empty());
  clock.advance(2 * kTimeout - 1ms);
  EXPECT_TRUE(changes.empty());
  clock.advance(1ms);
  EXPECT_EQ(changes, std::vector<Change>{Change::kLost});
}

TEST_F(ConnectionStateTest, ExpiryAndAuthFailureAreLostAtOnceAndOnlyOnce) {
  state.opened(2 * kTimeout);
  state.on_event(Kind::kConnected, kTimeout);
  state.on_event(Kind::kExpired, kTimeout);
  state.on_event(Kind::kConnected, kTimeout);  // a dead session says nothing more
  EXPECT_EQ(changes, (std::vector<Change>{Change::kConnected, Change::kLost}));
  state.opened(2 * kTimeout);
  state.on_event(Kind::kConnected, kTimeout);
  state.on_event(Kind::kAuthFailed, kTimeout);
  clock.advance(10 * kTimeout);
  EXPECT_EQ(changes.back(), Change::kAuthFailed);
  EXPECT_EQ(changes.size(), 4u);
}

TEST_F(ConnectionStateTest, ClosedByTheOwnerSaysNothingLater) {
  state.opened(2 * kTimeout);
  state.on_event(Kind::kConnected, kTimeout);
  state.on_event(Kind::kSuspended, kTimeout);
  state.closed();
  clock.advance(10 * kTimeout);
  EXPECT_EQ(changes, (std::vector<Change>{Change::kConnected, Change::kSuspended}));
  EXPECT_EQ(clock.timers(), 0u);
}

}  // namespace
}  // namespace ochopod
