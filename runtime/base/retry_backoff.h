// RetryBackoff: how long to wait before the next attempt of something that
// keeps failing: first `initial` (even above `cap`), then doubling, never
// above `cap`; reset() after a success starts over. Pure arithmetic, owned
// by whoever retries, on its own thread: the coordinator re-opening a
// session after an authentication failure, the reactive leader retrying a
// failed round or a failed write of its outcome.
#pragma once

#include <algorithm>
#include <chrono>

namespace ochopod {

class RetryBackoff {
 public:
  using Duration = std::chrono::milliseconds;

  RetryBackoff(Duration initial, Duration cap) : initial_(initial), cap_(cap), next_(initial) {}

  // The delay to wait now; the one after is twice as long (up to the cap).
  Duration next() {
    const Duration now = next_;
    next_ = std::min(cap_, next_ * 2);
    return now;
  }
  void reset() { next_ = initial_; }

 private:
  Duration initial_;
  Duration cap_;
  Duration next_;
};

}  // namespace ochopod
