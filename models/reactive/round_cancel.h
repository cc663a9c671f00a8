// RoundCancel: cuts a configuration round short from another thread
// (docs/internals.md, "The ZooKeeper recipes").
//
// The reactive leader cancels the round in flight from the coordinator loop
// when it may no longer lead (suspended, deposed, shutting down); the round
// (round.cpp) hands it to every request it sends (HttpCancelHook) and to
// its fan-out (ParallelCancel). cancel() never blocks: it flags the round
// and wakes the round's own thread, which stops the live HTTP clients
// (stopping one may wait for its connect to finish, which must not hold up
// the coordinator loop) until every request of the round has returned.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>

#include "runtime/base/parallel.h"
#include "runtime/http/client.h"

namespace ochopod {

class RoundCancel final : public HttpCancelHook, public ParallelCancel {
 public:
  void cancel();  // any thread, any number of times
  bool cancelled() const override;

  // For the round's threads. admit() registers a request's stopper, unless
  // the round is cancelled (then the request must not be sent); the stopper
  // stays callable until leave(id) returns.
  bool admit(std::function<void()> stop, uint64_t* id) override;
  void leave(uint64_t id) override;
  // Wait, on the round's thread, until done() holds (checked at every
  // notify()); once cancelled, the stoppers are called again every 20 ms
  // (a request admitted just before cancel() may not have had a socket yet).
  void supervise(const std::function<bool()>& done) override;
  void notify() override;  // a worker finished: wake supervise()

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool cancelled_ = false;
  uint64_t next_id_ = 0;
  std::map<uint64_t, std::function<void()>> stoppers_;
};

}  // namespace ochopod
