#include "ochopod/event_loop.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <vector>

namespace ochopod {
namespace {

using namespace std::chrono_literals;

TEST(EventLoop, RunsPostedTasksInOrderOnItsOwnThread) {
  EventLoop loop("test");
  std::vector<int> seen;
  std::thread::id where;
  for (int i = 0; i < 100; ++i) loop.post([&seen, i] { seen.push_back(i); });
  loop.run_sync([&] { where = std::this_thread::get_id(); });
  EXPECT_NE(where, std::this_thread::get_id());
  ASSERT_EQ(seen.size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(seen[i], i);
}

TEST(EventLoop, TimersFireInDeadlineOrderAndCancelledOnesNever) {
  EventLoop loop("test");
  std::promise<void> done;
  std::vector<int> order;
  // Deadlines are taken at each call: 300 ms apart, a stalled test thread
  // cannot reorder them, and the cancelled one goes at once.
  const auto cancelled = loop.post_after(600ms, [&] { order.push_back(99); });
  loop.cancel(cancelled);
  loop.post_after(900ms, [&] { order.push_back(3); });
  loop.post_after(300ms, [&] { order.push_back(1); });
  loop.post_after(600ms, [&] { order.push_back(2); });
  loop.post_after(1200ms, [&] { done.set_value(); });
  ASSERT_EQ(done.get_future().wait_for(5s), std::future_status::ready);
  loop.run_sync([&] { EXPECT_EQ(order, (std::vector<int>{1, 2, 3})); });
}

TEST(EventLoop, AThrowingTaskDoesNotStopTheLoop) {
  EventLoop loop("test");
  loop.post([] { throw std::runtime_error("boom"); });
  bool ran = false;
  loop.run_sync([&] { ran = true; });
  EXPECT_TRUE(ran);
}

TEST(EventLoop, RunSyncFromTheLoopRunsInline) {
  EventLoop loop("test");
  int depth = 0;
  loop.run_sync([&] { loop.run_sync([&] { depth = 2; }); });
  EXPECT_EQ(depth, 2);
}

}  // namespace
}  // namespace ochopod
