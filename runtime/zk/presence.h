// Presence: how a pod steps out of its dependents' view before its child
// stops serving, and back in once it serves again (docs/protocol.md 7,
// "Leaving before stopping"; docs/lifecycle.md for when each happens).
//
// The lifecycle (PipedController) calls it around an `off`, a `kill` or a
// restart; the Coordinator implements it on its loop, and a pod without
// ZooKeeper has nobody to step out of view of. Callers never block on it:
// the answer comes through a callback.
#pragma once

#include <chrono>
#include <functional>

namespace ochopod {

class Presence {
 public:
  // Called once, on the implementation's thread (it must only post): true
  // when the cluster's snapshot no longer lists this pod, false when `limit`
  // ran out first (a leader that does not honour withdrawals, one that is
  // frozen, or no connection).
  using Out = std::function<void(bool out)>;

  virtual ~Presence() = default;
  // Stays registered in its own cluster, but asks its leader to drop it from
  // the snapshot dependents read.
  virtual void withdraw(std::chrono::milliseconds limit, Out out) = 0;
  // Serving again: the leader lists it in the snapshot again.
  virtual void rejoin() = 0;
};

// For pods with no cluster to leave (solo, tests): out at once.
class NoPresence final : public Presence {
 public:
  void withdraw(std::chrono::milliseconds, Out out) override { out(true); }
  void rejoin() override {}
};

}  // namespace ochopod
