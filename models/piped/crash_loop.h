// CrashLoop: when to restart a child that failed (ochopod/piped.h,
// restart_backoff; docs/lifecycle.md, "Watching it").
//
// A failure within kQuickFailure of the child's start extends the streak;
// one after a longer run starts a new streak. The first failure of a streak
// restarts at once; each further one waits kFirstBackoff, doubled each time
// (RetryBackoff), up to the cap. Pure arithmetic: PipedController feeds it
// on the lifecycle thread.
#pragma once

#include <algorithm>
#include <chrono>

#include "runtime/base/retry_backoff.h"

namespace ochopod::detail {

class CrashLoop {
 public:
  using Duration = std::chrono::steady_clock::duration;
  static constexpr Duration kQuickFailure = std::chrono::seconds(10);
  static constexpr RetryBackoff::Duration kFirstBackoff{100};

  // A supervision starts (an `on` starts the child): no streak. cap is
  // Piped::restart_backoff; zero or less restarts at once, always.
  void start(std::chrono::duration<double> cap) {
    cap_ = std::max(Duration::zero(), std::chrono::duration_cast<Duration>(cap));
    // RetryBackoff counts whole milliseconds and hands out its first delay
    // uncapped: it gets the cap rounded up, and failed() caps each delay.
    backoff_ = RetryBackoff(kFirstBackoff, std::chrono::ceil<RetryBackoff::Duration>(cap_));
    streak_ = 0;
  }

  // The child failed after running for `ran`: how long to wait before
  // restarting it.
  Duration failed(Duration ran) {
    streak_ = ran < kQuickFailure ? streak_ + 1 : 1;
    if (streak_ == 1) {
      backoff_.reset();
      return Duration::zero();
    }
    if (cap_ == Duration::zero()) return Duration::zero();
    return std::min<Duration>(backoff_.next(), cap_);
  }

  // Failures in a row, each within kQuickFailure of its start.
  int streak() const { return streak_; }

 private:
  Duration cap_ = Duration::zero();
  RetryBackoff backoff_{kFirstBackoff, kFirstBackoff};
  int streak_ = 0;
};

}  // namespace ochopod::detail
