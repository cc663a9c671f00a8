// docs/lifecycle.md, "Stopping it": tear_down, grace, the whole process group,
// SIGKILL unless soft, and a stop that returns as soon as the group is gone.
#include "piped_fixture.h"

namespace ochopod::test {
namespace {

using Clock = std::chrono::steady_clock;

class PipedTermination : public PipedFixture {
 protected:
  // Runs `command` through the shell with this grace and returns its process
  // group once it has `members` processes, all but the shell already running
  // `sleep` (so whatever traps the command sets before are in place); 0, with
  // a failure, if it never does.
  pid_t start_group(const std::string& command, double grace, int members) {
    pod.shell = true;
    pod.command = command;
    pod.grace = std::chrono::duration<double>(grace);
    make();
    EXPECT_EQ(request("on", payload()).code, 200);
    const pid_t pgid = controller->child_pid();
    const bool formed = wait_until(
        [&] { return group_size(pgid) == members && sleepers_in_group(pgid) == members - 1; },
        3000ms, std::to_string(members) + " processes in the child's group, sleeping");
    EXPECT_TRUE(formed);
    return formed ? pgid : 0;
  }
  // Runs `off` and says how long it took.
  Clock::duration timed_off() {
    const auto start = Clock::now();
    EXPECT_EQ(request("off").code, 200);
    return Clock::now() - start;
  }
};

TEST_F(PipedTermination, OffReachesTheWholeGroupWithoutWaitingOutGrace) {
  const pid_t pgid = start_group("sleep 1000 & sleep 1000 & wait", 10.0, 3);
  ASSERT_NE(pgid, 0);
  const Clock::duration elapsed = timed_off();
  EXPECT_FALSE(group_alive(pgid));
  EXPECT_EQ(process(), "stopped");
  EXPECT_LT(elapsed, 2000ms);
  EXPECT_EQ(pod.torn_down.load(), 1);
}

TEST_F(PipedTermination, SoftLeavesAChildThatIgnoresSigterm) {
  pod.soft = true;
  const pid_t pgid = start_group("trap '' TERM; sleep 1000; sleep 1000", 0.5, 2);
  ASSERT_NE(pgid, 0);
  const Clock::duration elapsed = timed_off();
  EXPECT_GE(elapsed, std::chrono::duration_cast<Clock::duration>(pod.grace));
  EXPECT_LT(elapsed, after(pod.grace, 1500ms));
  EXPECT_EQ(process(), "stopped");
  EXPECT_TRUE(stays_false([&] { return !group_alive(pgid); }, 2 * after(pod.grace, 0ms),
                          "the soft-stopped group dying"));
  ::kill(-pgid, SIGKILL);
  EXPECT_TRUE(wait_until([&] { return !group_alive(pgid); }, 3000ms, "cleanup"));
}

TEST_F(PipedTermination, WithoutSoftTheGroupIsKilledRightAfterGrace) {
  const pid_t pgid = start_group("trap '' TERM; sleep 1000; sleep 1000", 0.5, 2);
  ASSERT_NE(pgid, 0);
  const Clock::duration elapsed = timed_off();
  EXPECT_GE(elapsed, std::chrono::duration_cast<Clock::duration>(pod.grace));
  EXPECT_LT(elapsed, after(pod.grace, 1000ms));
  EXPECT_FALSE(group_alive(pgid));
  EXPECT_TRUE(logged("SIGKILL"));
}

TEST_F(PipedTermination, GroupIsKilledEvenWhenTheDirectChildExited) {
  // The shell leaves on SIGTERM, its background sleep ignores it.
  const pid_t pgid =
      start_group("(trap '' TERM; exec sleep 1000) & trap 'exit 3' TERM; wait", 0.5, 2);
  ASSERT_NE(pgid, 0);
  const Clock::duration elapsed = timed_off();
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
  loop.post([&] { controller->handle(ControlRequest{"off", nullptr}); });
  EXPECT_TRUE(wait_until([&] { return process() == "terminating"; }, 1000ms, "terminating"));
  EXPECT_TRUE(wait_until([&] { return process() == "stopped"; }, after(pod.grace), "stopped"));
}

TEST_F(PipedTermination, UserTearDownIsUsed) {
  pod.on_tear_down = [](const Process& p) { ::kill(-p.pid, SIGUSR1); };
  pod.grace = std::chrono::duration<double>(10.0);
  make();
  ASSERT_EQ(request("on", payload()).code, 200);
  const pid_t pgid = controller->child_pid();
  const Clock::duration elapsed = timed_off();
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
