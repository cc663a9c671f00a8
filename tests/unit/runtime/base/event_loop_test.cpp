#include "runtime/base/event_loop.h"

#include <gtest/gtest.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <future>
#include <sstream>
#include <thread>
#include <vector>

#include "harness/wait.h"

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

// The loop waits until its next timer's deadline; that timer's node may go
// meanwhile (cancelled, or dropped by stop() from another thread) and the
// wait must not read it after waking (ASan saw a SIGTERMed pod do so).
TEST(EventLoop, ATimerGoneWhileTheLoopWaitsForItIsNotReadAfterward) {
  for (int i = 0; i < 20; ++i) {
    EventLoop loop("test");
    const auto id = loop.post_after(1h, [] {});
    loop.run_sync([] {});  // the loop is past that task: it waits for the timer next
    loop.cancel(id);
    std::atomic<bool> ran{false};
    loop.run_sync([&] { ran = true; });  // wakes the wait the cancel left
    EXPECT_TRUE(ran);
    loop.post_after(1h, [] {});
    loop.run_sync([] {});
    loop.stop();  // drops the timer the loop waits for
  }
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

// The kernel's view of a thread: 'S' once it sleeps (here: in future.wait()).
char thread_state(pid_t tid) {
  std::ifstream in("/proc/self/task/" + std::to_string(tid) + "/stat");
  std::string line((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto close = line.rfind(')');
  return close == std::string::npos || close + 2 >= line.size() ? '?' : line[close + 2];
}

TEST(EventLoop, RunSyncReturnsWhenStopDropsItsTaskAfterThePost) {
  EventLoop loop("test");
  std::promise<void> release;
  auto released = release.get_future().share();
  loop.post([released] { released.wait(); });  // holds the loop: our task stays queued
  std::atomic<pid_t> caller{0};
  std::promise<void> returned;
  auto returned_future = returned.get_future();
  bool ran = false;
  std::thread waiter([&] {
    caller = static_cast<pid_t>(::syscall(SYS_gettid));
    loop.run_sync([&] { ran = true; });
    returned.set_value();
  });
  // Asleep means past the post and any check of stopping: the window where
  // stop() used to strand it.
  const auto asleep = test::wait_until([&] { return caller != 0 && thread_state(caller) == 'S'; },
                                       5s, "the run_sync caller going to sleep");
  loop.stop();
  release.set_value();
  const bool ok = returned_future.wait_for(5s) == std::future_status::ready;
  EXPECT_TRUE(asleep);
  if (!ok) {
    ADD_FAILURE() << "run_sync still waits for a task that stop() dropped";
    waiter.detach();  // stuck for ever: the only way to end the test
    return;
  }
  waiter.join();
  EXPECT_FALSE(ran);
}

// A pod's shutdown stops the lifecycle loop and then destroys the
// controller: a timer that fired just before (its memory release) must have
// ended by then. TSan saw the controller destroyed under it.
TEST(EventLoop, WaitStoppedReturnsOnceTheTaskRunningAtStopEnded) {
  EventLoop loop("test");
  std::atomic<bool> entered{false};
  std::atomic<bool> finished{false};
  std::promise<void> release;
  loop.post([&, released = release.get_future().share()] {
    entered = true;
    released.wait();
    finished = true;
  });
  ASSERT_TRUE(test::wait_until([&] { return entered.load(); }, 5s, "the task starting"));
  loop.stop();  // returns at once: the task still runs
  EXPECT_FALSE(finished.load());
  std::atomic<pid_t> waiter_tid{0};
  std::atomic<bool> returned{false};
  bool finished_at_return = false;
  std::thread waiter([&] {
    waiter_tid = static_cast<pid_t>(::syscall(SYS_gettid));
    loop.wait_stopped();
    finished_at_return = finished.load();
    returned = true;
  });
  EXPECT_TRUE(test::wait_until(
      [&] { return returned.load() || (waiter_tid != 0 && thread_state(waiter_tid) == 'S'); }, 5s,
      "wait_stopped() returning or waiting"));
  release.set_value();
  waiter.join();
  EXPECT_TRUE(finished_at_return) << "wait_stopped() returned while the loop's task still ran";
}

TEST(EventLoop, StopAndWaitStoppedFromATaskReturnAtOnce) {
  EventLoop loop("test");
  std::atomic<bool> after{false};
  loop.post([&] {
    loop.stop();
    loop.wait_stopped();
    after = true;
  });
  EXPECT_TRUE(test::wait_until([&] { return after.load(); }, 5s, "the task going on after both"));
}

TEST(EventLoop, RunSyncAfterStopReturnsAtOnce) {
  EventLoop loop("test");
  loop.stop();
  bool ran = false;
  loop.run_sync([&] { ran = true; });
  EXPECT_FALSE(ran);
}

// What GET /healthz reads: how long the running task has been running.
TEST(EventLoop, BusyForMeasuresTheRunningTaskAndIsZeroWhenIdle) {
  EventLoop loop("test");
  EXPECT_EQ(loop.busy_for(), EventLoop::Clock::duration::zero());
  std::promise<void> release;
  std::atomic<bool> started{false};
  loop.post([&, blocked = release.get_future().share()] {
    started = true;
    blocked.wait();
  });
  ASSERT_TRUE(test::wait_until([&] { return started.load(); }, 5s, "the task starting"));
  EXPECT_TRUE(test::wait_until([&] { return loop.busy_for() >= 20ms; }, 5s,
                               "busy_for() growing while the task runs"));
  release.set_value();
  EXPECT_TRUE(
      test::wait_until([&] { return loop.busy_for() == EventLoop::Clock::duration::zero(); }, 5s,
                       "busy_for() back to zero once the task ended"));
}

}  // namespace
}  // namespace ochopod
