// CrashLoop: the restart delays of ochopod/piped.h ("restart_backoff").
#include "models/piped/crash_loop.h"

#include <gtest/gtest.h>

#include <vector>

namespace ochopod::detail {
namespace {

using namespace std::chrono_literals;
using Duration = CrashLoop::Duration;

constexpr Duration kQuick = 1s;  // a failure this soon after the start extends the streak

TEST(CrashLoop, TheFirstFailureOfAStreakRestartsAtOnce) {
  CrashLoop loop;
  loop.start(10s);
  EXPECT_EQ(loop.failed(kQuick), Duration::zero());
  EXPECT_EQ(loop.streak(), 1);
}

TEST(CrashLoop, EachFurtherQuickFailureWaitsTwiceAsLongUpToTheCap) {
  CrashLoop loop;
  loop.start(1s);
  std::vector<Duration> delays;
  for (int i = 0; i < 7; ++i) delays.push_back(loop.failed(kQuick));
  const std::vector<Duration> expected = {0ms, 100ms, 200ms, 400ms, 800ms, 1s, 1s};
  EXPECT_EQ(delays, expected);
  EXPECT_EQ(loop.streak(), 7);
}

TEST(CrashLoop, ARunOfTenSecondsStartsANewStreak) {
  CrashLoop loop;
  loop.start(10s);
  loop.failed(kQuick);
  loop.failed(kQuick);
  EXPECT_EQ(loop.failed(kQuick), 200ms);
  EXPECT_EQ(loop.failed(CrashLoop::kQuickFailure), Duration::zero()) << "ran 10 s: a new streak";
  EXPECT_EQ(loop.streak(), 1);
  EXPECT_EQ(loop.failed(kQuick), 100ms) << "the backoff starts over";
  EXPECT_EQ(loop.failed(CrashLoop::kQuickFailure - 1ms), 200ms) << "just under 10 s is quick";
}

TEST(CrashLoop, AZeroCapRestartsAtOnceAlways) {
  for (const auto cap : {std::chrono::duration<double>(0), std::chrono::duration<double>(-1)}) {
    CrashLoop loop;
    loop.start(cap);
    for (int i = 0; i < 5; ++i) EXPECT_EQ(loop.failed(kQuick), Duration::zero()) << i;
    EXPECT_EQ(loop.streak(), 5);
  }
}

TEST(CrashLoop, ACapBelowTheFirstDelayIsTheDelay) {
  CrashLoop loop;
  loop.start(std::chrono::duration<double>(0.0015));
  loop.failed(kQuick);
  EXPECT_EQ(loop.failed(kQuick), 1500us);
  EXPECT_EQ(loop.failed(kQuick), 1500us);
}

TEST(CrashLoop, StartingAgainForgetsTheStreak) {
  CrashLoop loop;
  loop.start(10s);
  loop.failed(kQuick);
  loop.failed(kQuick);
  loop.failed(kQuick);
  loop.start(10s);
  EXPECT_EQ(loop.streak(), 0);
  EXPECT_EQ(loop.failed(kQuick), Duration::zero());
  EXPECT_EQ(loop.failed(kQuick), 100ms);
}

}  // namespace
}  // namespace ochopod::detail
