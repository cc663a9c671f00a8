// RetryBackoff: the first delay, doubling up to the cap, and starting over.
#include "runtime/base/retry_backoff.h"

#include <gtest/gtest.h>

#include <vector>

namespace ochopod {
namespace {

using namespace std::chrono_literals;
using Delays = std::vector<std::chrono::milliseconds>;

Delays next(RetryBackoff& backoff, int n) {
  Delays out;
  for (int i = 0; i < n; ++i) out.push_back(backoff.next());
  return out;
}

TEST(RetryBackoff, DoublesFromTheFirstDelayUpToTheCap) {
  RetryBackoff backoff(1s, 10s);
  EXPECT_EQ(next(backoff, 6), (Delays{1s, 2s, 4s, 8s, 10s, 10s}));
}

TEST(RetryBackoff, ResetStartsOverFromTheFirstDelay) {
  RetryBackoff backoff(2500ms, 60s);
  next(backoff, 3);
  backoff.reset();
  EXPECT_EQ(next(backoff, 2), (Delays{2500ms, 5s}));
}

// A first delay past the cap (a reactive leader's damper above a minute) is
// waited once; the doubling after it is capped.
TEST(RetryBackoff, AFirstDelayAboveTheCapIsWaitedOnce) {
  RetryBackoff backoff(120s, 60s);
  EXPECT_EQ(next(backoff, 3), (Delays{120s, 60s, 60s}));
}

}  // namespace
}  // namespace ochopod
