// parallel_for: a bounded parallel-for over [0, n), with a hook to stop it
// early from another thread.
//
// The leader's round fans its requests out to the pods with it
// (models/reactive/round.cpp, its threads named "round"), and the operator
// commands call many pods at once (cli/ops/commands.cpp). The threads live
// for one call and are joined before it returns: no pool outlives its work.
#pragma once

#include <cstddef>
#include <functional>

namespace ochopod {

// Stops a parallel_for early. While its threads work, the calling thread
// waits in supervise() instead of merely joining them, so that it can cut
// their work short once cancelled (a round's requests in flight).
class ParallelCancel {
 public:
  virtual ~ParallelCancel() = default;
  // Asked before each item: once true, no further item starts. Any thread.
  virtual bool cancelled() const = 0;
  // On the calling thread: returns once done() holds, checking it at
  // every notify().
  virtual void supervise(const std::function<bool()>& done) = 0;
  // A thread of the parallel_for has finished: wakes supervise().
  virtual void notify() = 0;
};

// Runs work(i) for every i in [0, n), on min(n, max_threads) threads (at
// least one) taking the items in order, and returns the number of threads
// it used once all have finished. With a cancel hook, items not started by
// the time it is cancelled never run. work must not throw. thread_name, if
// any, names the threads (at most 15 characters).
size_t parallel_for(size_t n, size_t max_threads, const std::function<void(size_t)>& work,
                    ParallelCancel* cancel = nullptr, const char* thread_name = nullptr);

}  // namespace ochopod
