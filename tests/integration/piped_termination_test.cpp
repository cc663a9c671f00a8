// LIFECYCLE.md, "Termination": tear_down, grace, the whole process group,
// SIGKILL unless soft, and a stop that returns as soon as the group is gone.
#include "piped_fixture.h"

namespace ochopod::test {
namespace {

using Clock = std::chrono::steady_clock;
using PipedTermination = PipedFixture;

// Runs `off` and says how long it took.
#define TIMED_OFF(elapsed)               \
  do {                                   \
    const auto start_ = Clock::now();    \
    EXPECT_EQ(request("off").code, 200); \
    elapsed = Clock::now() - start_;     \
  } while (0)

TEST_F(PipedTermination, OffReachesTheWholeGroupWithoutWaitingOutGrace) {
  pod.shell = true;
  pod.command = "sleep 1000 & sleep 1000 & wait";
  pod.grace = std::chrono::duration<double>(10.0);
  make();
  ASSERT_EQ(request("on", payload()).code, 200);
  const pid_t pgid = controller->child_pid();
  ASSERT_TRUE(wait_until([&] { return group_size(pgid) == 3; }, 3000ms, "sh and two sleeps"));
  Clock::duration elapsed;
  TIMED_OFF(elapsed);
  EXPECT_FALSE(group_alive(pgid));
  EXPECT_EQ(process(), "stopped");
  EXPECT_LT(elapsed, 2000ms);
  EXPECT_EQ(pod.torn_down.load(), 1);
}

TEST_F(PipedTermination, SoftLeavesAChildThatIgnoresSigterm) {
  pod.shell = true;
  pod.command = "trap '' TERM; sleep 1000; sleep 1000";
  pod.grace = std::chrono::duration<double>(0.5);
  pod.soft = true;
  make();
  ASSERT_EQ(request("on", payload()).code, 200);
  const pid_t pgid = controller->child_pid();
  ASSERT_TRUE(wait_until([&] { return group_size(pgid) == 2; }, 3000ms, "sh and sleep"));
  Clock::duration elapsed;
  TIMED_OFF(elapsed);
  EXPECT_GE(elapsed, std::chrono::duration_cast<Clock::duration>(pod.grace));
  EXPECT_LT(elapsed, after(pod.grace, 1500ms));
  EXPECT_EQ(process(), "stopped");
  EXPECT_TRUE(stays_false([&] { return !group_alive(pgid); }, 2 * after(pod.grace, 0ms),
                          "the soft-stopped group dying"));
  ::kill(-pgid, SIGKILL);
  EXPECT_TRUE(wait_until([&] { return !group_alive(pgid); }, 3000ms, "cleanup"));
}

TEST_F(PipedTermination, WithoutSoftTheGroupIsKilledRightAfterGrace) {
  pod.shell = true;
  pod.command = "trap '' TERM; sleep 1000; sleep 1000";
  pod.grace = std::chrono::duration<double>(0.5);
  make();
  ASSERT_EQ(request("on", payload()).code, 200);
  const pid_t pgid = controller->child_pid();
  ASSERT_TRUE(wait_until([&] { return group_size(pgid) == 2; }, 3000ms, "sh and sleep"));
  Clock::duration elapsed;
  TIMED_OFF(elapsed);
  EXPECT_GE(elapsed, std::chrono::duration_cast<Clock::duration>(pod.grace));
  EXPECT_LT(elapsed, after(pod.grace, 1000ms));
  EXPECT_FALSE(group_alive(pgid));
  EXPECT_TRUE(logged("SIGKILL"));
}

TEST_F(PipedTermination, GroupIsKilledEvenWhenTheDirectChildExited) {
  pod.shell = true;
  // The shell leaves on SIGTERM, its background sleep ignores it.
  pod.command = "(trap '' TERM; exec sleep 1000) & trap 'exit 3' TERM; wait";
  pod.grace = std::chrono::duration<double>(0.5);
  make();
  ASSERT_EQ(request("on", payload()).code, 200);
  const pid_t pgid = controller->child_pid();
  ASSERT_TRUE(wait_until([&] { return group_size(pgid) == 2; }, 3000ms, "sh and sleep"));
  Clock::duration elapsed;
  TIMED_OFF(elapsed);
  EXPECT_GE(elapsed, std::chrono::duration_cast<Clock::duration>(pod.grace));
  EXPECT_FALSE(group_alive(pgid));
  // A stop's exit is not a failure.
  EXPECT_TRUE(stays_false([&] { return controller->child_failures() != 0; }, 500ms,
                          "the stopped child counted as failed"));
  EXPECT_EQ(controller->children_started(), 1);
}

TEST_F(PipedTermination, ShowsTerminatingDuringTheWait) {
  pod.shell = true;
  pod.command = "trap '' TERM; sleep 1000; sleep 1000";
  pod.grace = std::chrono::duration<double>(1.0);
  make();
  ASSERT_EQ(request("on", payload()).code, 200);
  ASSERT_TRUE(
      wait_until([&] { return group_size(controller->child_pid()) == 2; }, 3000ms, "sh and sleep"));
  loop.post([&] { controller->handle(ControlRequest{"off", std::nullopt}); });
  EXPECT_TRUE(wait_until([&] { return process() == "terminating"; }, 1000ms, "terminating"));
  EXPECT_TRUE(wait_until([&] { return process() == "stopped"; }, after(pod.grace), "stopped"));
}

TEST_F(PipedTermination, UserTearDownIsUsed) {
  pod.on_tear_down = [](const Process& p) { ::kill(-p.pid, SIGUSR1); };
  pod.grace = std::chrono::duration<double>(10.0);
  make();
  ASSERT_EQ(request("on", payload()).code, 200);
  const pid_t pgid = controller->child_pid();
  Clock::duration elapsed;
  TIMED_OFF(elapsed);
  EXPECT_LT(elapsed, 2000ms);
  EXPECT_FALSE(group_alive(pgid));
  EXPECT_EQ(pod.torn_down.load(), 1);
  EXPECT_TRUE(logged("signal 10"));
}

TEST_F(PipedTermination, ThrowingTearDownStillEndsInSigkill) {
  pod.on_tear_down = [](const Process&) { throw std::runtime_error("cannot"); };
  pod.grace = std::chrono::duration<double>(0.3);
  make();
  ASSERT_EQ(request("on", payload()).code, 200);
  const pid_t pgid = controller->child_pid();
  EXPECT_EQ(request("off").code, 200);
  EXPECT_FALSE(group_alive(pgid));
  EXPECT_TRUE(logged("tear_down() failed: cannot"));
}

}  // namespace
}  // namespace ochopod::test
