#include "models/reactive/round_cancel.h"

#include <chrono>

namespace ochopod {

void RoundCancel::cancel() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    cancelled_ = true;
  }
  cv_.notify_all();
}

bool RoundCancel::cancelled() const {
  std::lock_guard<std::mutex> lock(mu_);
  return cancelled_;
}

bool RoundCancel::admit(std::function<void()> stop, uint64_t* id) {
  std::lock_guard<std::mutex> lock(mu_);
  if (cancelled_) return false;
  *id = next_id_++;
  stoppers_.emplace(*id, std::move(stop));
  return true;
}

void RoundCancel::leave(uint64_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  stoppers_.erase(id);
}

void RoundCancel::notify() {
  { std::lock_guard<std::mutex> lock(mu_); }  // a supervise() between check and wait sees it
  cv_.notify_all();
}

void RoundCancel::supervise(const std::function<bool()>& done) {
  std::unique_lock<std::mutex> lock(mu_);
  while (!done()) {
    if (!cancelled_) {
      cv_.wait(lock);
      continue;
    }
    // Called under the lock, so no stopper outlives its client; a stop()
    // waits at most for its client's connect, never for the mutex.
    for (auto& [id, stop] : stoppers_) stop();
    cv_.wait_for(lock, std::chrono::milliseconds(20));
  }
}

}  // namespace ochopod
