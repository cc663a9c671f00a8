// parallel_for: every item once, never more threads than asked, and a cancel
// hook that stops it between items.
#include "runtime/base/parallel.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <vector>

namespace ochopod {
namespace {

TEST(ParallelFor, RunsEveryItemOnceAndReturnsTheThreadsItUsed) {
  std::vector<std::atomic<int>> runs(100);
  EXPECT_EQ(parallel_for(runs.size(), 8, [&](size_t i) { ++runs[i]; }), 8u);
  for (size_t i = 0; i < runs.size(); ++i) EXPECT_EQ(runs[i].load(), 1) << i;
}

TEST(ParallelFor, UsesNoMoreThreadsThanItemsAndAtLeastOne) {
  std::atomic<int> runs{0};
  EXPECT_EQ(parallel_for(3, 32, [&](size_t) { ++runs; }), 3u);
  EXPECT_EQ(parallel_for(2, 0, [&](size_t) { ++runs; }), 1u);
  EXPECT_EQ(parallel_for(0, 4, [&](size_t) { ++runs; }), 0u);
  EXPECT_EQ(runs.load(), 5);
}

// The items wait for each other until `threads` run at once: the bound is
// reached, and never passed.
TEST(ParallelFor, RunsAtMostMaxThreadsItemsAtOnce) {
  std::mutex mu;
  std::condition_variable cv;
  size_t running = 0, most = 0;
  bool gathered = false;
  parallel_for(20, 4, [&](size_t) {
    std::unique_lock<std::mutex> lock(mu);
    most = std::max(most, ++running);
    if (running == 4) gathered = true;
    cv.notify_all();
    cv.wait_for(lock, std::chrono::seconds(5), [&] { return gathered; });
    --running;
  });
  EXPECT_TRUE(gathered);
  EXPECT_EQ(most, 4u);
}

// A cancel hook as a round's: a flag, and supervise() on the calling thread.
class Flag final : public ParallelCancel {
 public:
  bool cancelled() const override { return cancelled_.load(); }
  void supervise(const std::function<bool()>& done) override {
    std::unique_lock<std::mutex> lock(mu_);
    ++supervised_;
    cv_.wait(lock, done);
  }
  void notify() override {
    { std::lock_guard<std::mutex> lock(mu_); }
    cv_.notify_all();
  }
  std::atomic<bool> cancelled_{false};
  int supervised_ = 0;

 private:
  std::mutex mu_;
  std::condition_variable cv_;
};

TEST(ParallelFor, ACancelledRunStartsNoFurtherItem) {
  Flag flag;
  std::vector<size_t> ran;
  parallel_for(
      10, 1,
      [&](size_t i) {
        ran.push_back(i);
        if (i == 2) flag.cancelled_ = true;
      },
      &flag);
  EXPECT_EQ(ran, (std::vector<size_t>{0, 1, 2}));
  EXPECT_EQ(flag.supervised_, 1) << "the calling thread waits in supervise()";
}

TEST(ParallelFor, ARunCancelledBeforehandRunsNothing) {
  Flag flag;
  flag.cancelled_ = true;
  std::atomic<int> runs{0};
  EXPECT_EQ(parallel_for(
                5, 2, [&](size_t) { ++runs; }, &flag),
            2u);
  EXPECT_EQ(runs.load(), 0);
}

}  // namespace
}  // namespace ochopod
