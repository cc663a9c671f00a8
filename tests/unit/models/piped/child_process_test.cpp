// ChildProcess: starting the child, the exit board, the stop's escalation
// (ask, grace, SIGKILL; soft, hurry, the stop budget) and the shutdown's
// drain wait, on a fake host and a manual clock: no process, no sleep.
#include "models/piped/child_process.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <memory>
#include <utility>
#include <vector>

#include "fake_child_host.h"
#include "harness/manual_scheduler.h"

namespace ochopod::test {
namespace {

using namespace std::chrono_literals;
using Clock = Scheduler::Clock;
using Seconds = std::chrono::duration<double>;

class ChildProcessTest : public ::testing::Test {
 protected:
  pid_t start() {
    detail::SpawnRequest request;
    request.argv = {"server", "--port", "80"};
    return child.start(request);
  }

  // A stop whose ask is recorded (and does nothing else unless told).
  std::optional<int> stop(Seconds grace, bool soft = false) {
    return child.stop([this](pid_t pid) { asked.push_back(pid); }, grace, soft);
  }

  ManualScheduler loop;
  FakeChildHost host;
  std::vector<std::pair<pid_t, int>> exits;  // what reached the owner
  std::vector<pid_t> asked;
  detail::ChildProcess child{loop, host,
                             [this](pid_t pid, int status) { exits.emplace_back(pid, status); }};
};

TEST_F(ChildProcessTest, StartsTheChildInTheHostAndCountsIt) {
  const pid_t pid = start();
  EXPECT_TRUE(child.running());
  EXPECT_EQ(child.pid(), pid);
  EXPECT_EQ(child.started(), 1);
  ASSERT_EQ(host.children().size(), 1u);
  EXPECT_EQ(host.children()[0].request.argv, (std::vector<std::string>{"server", "--port", "80"}));
}

TEST_F(ChildProcessTest, AChildThatHonoursTheAskStopsWithoutAKill) {
  const pid_t pid = start();
  const auto status = child.stop(
      [&](pid_t asked_pid) {
        asked.push_back(asked_pid);
        host.killed_by(asked_pid, SIGTERM);
      },
      Seconds(60), false);
  EXPECT_EQ(asked, std::vector<pid_t>{pid});
  ASSERT_TRUE(status);
  EXPECT_TRUE(WIFSIGNALED(*status) && WTERMSIG(*status) == SIGTERM);
  EXPECT_TRUE(host.signals().empty()) << "no SIGKILL";
  EXPECT_FALSE(child.running());
  EXPECT_EQ(child.pid(), 0);
  loop.run_ready();
  EXPECT_TRUE(exits.empty()) << "the stop took the exit in";
}

TEST_F(ChildProcessTest, AChildThatIgnoresTheAskIsKilledAtTheEndOfGrace) {
  const pid_t pid = start();
  const Clock::time_point t0 = loop.now();
  const auto status = stop(Seconds(30));
  EXPECT_EQ(asked, std::vector<pid_t>{pid});
  EXPECT_EQ(host.waited_until, t0 + 30s) << "the grace was waited out";
  EXPECT_EQ(host.signals_to(pid), (std::vector<int>{SIGKILL, SIGKILL})) << "group, then process";
  ASSERT_TRUE(status);
  EXPECT_TRUE(WIFSIGNALED(*status) && WTERMSIG(*status) == SIGKILL);
  EXPECT_FALSE(child.running());
}

TEST_F(ChildProcessTest, AnExitDuringGraceEndsTheWait) {
  const pid_t pid = start();
  const Clock::time_point t0 = loop.now();
  host.on_wait = [&](Clock::time_point until) {
    if (until >= t0 + 3s) host.exit_code(pid, 0);
  };
  const auto status = stop(Seconds(60));
  EXPECT_EQ(host.waited_until, t0 + 3s);
  EXPECT_TRUE(host.signals().empty());
  ASSERT_TRUE(status);
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0);
}

TEST_F(ChildProcessTest, SoftLeavesTheGroupRunningAfterGrace) {
  const pid_t pid = start();
  const auto status = stop(Seconds(5), true);
  EXPECT_FALSE(status) << "nothing collected";
  EXPECT_TRUE(host.signals().empty()) << "never SIGKILL";
  EXPECT_FALSE(child.running()) << "given up on";
  // Its exit, later, is nobody's business any more.
  host.exit_code(pid, 1);
  loop.run_ready();
  EXPECT_TRUE(exits.empty());
}

TEST_F(ChildProcessTest, AHurryEndsTheGraceAndKillsEvenASoftStop) {
  const pid_t pid = start();
  const Clock::time_point t0 = loop.now();
  host.on_wait = [&](Clock::time_point) { child.hurry(); };
  stop(Seconds(60), true);
  EXPECT_EQ(host.waits, 1) << "the first wake saw the hurry";
  EXPECT_LT(*host.waited_until, t0 + 1s);
  EXPECT_EQ(host.signals_to(pid), (std::vector<int>{SIGKILL, SIGKILL}));
}

TEST_F(ChildProcessTest, TheStopBudgetCutsTheGraceAndKillsEvenASoftStop) {
  const pid_t pid = start();
  const Clock::time_point t0 = loop.now();
  child.stop_by(t0 + 1s);
  stop(Seconds(60), true);
  EXPECT_EQ(host.waited_until, t0 + 1s);
  EXPECT_EQ(host.signals_to(pid), (std::vector<int>{SIGKILL, SIGKILL}));
}

TEST_F(ChildProcessTest, AGroupLeftBehindByItsChildIsAskedThenKilled) {
  host.lingering = true;
  const pid_t pid = start();
  host.exit_code(pid, 3);  // a grandchild keeps the group
  loop.run_ready();
  ASSERT_EQ(exits.size(), 1u);
  const Clock::time_point t0 = loop.now();
  const auto status = child.stop([&](pid_t) { child.signal(SIGTERM); }, Seconds(2), false);
  EXPECT_EQ(host.waited_until, t0 + 2s);
  EXPECT_EQ(host.signals_to(pid), (std::vector<int>{SIGTERM, SIGKILL, SIGKILL}));
  ASSERT_TRUE(status);
  EXPECT_EQ(WEXITSTATUS(*status), 3) << "the child's own status, kept on the board";
}

TEST_F(ChildProcessTest, AnExitNoStopTookInReachesTheOwnerOnTheLoop) {
  const pid_t pid = start();
  host.exit_code(pid, 3);
  EXPECT_TRUE(exits.empty()) << "posted, not called on the reporting thread";
  loop.run_ready();
  ASSERT_EQ(exits.size(), 1u);
  EXPECT_EQ(exits[0].first, pid);
  EXPECT_EQ(WEXITSTATUS(exits[0].second), 3);
  // The stop that follows finds the group gone: nothing to ask, nothing to wait.
  const auto status = stop(Seconds(60));
  EXPECT_TRUE(asked.empty());
  EXPECT_EQ(host.waits, 0);
  ASSERT_TRUE(status);
  EXPECT_EQ(WEXITSTATUS(*status), 3);
}

TEST_F(ChildProcessTest, AnExitAfterTheOwnerIsGoneIsDropped) {
  pid_t pid = 0;
  {
    detail::ChildProcess gone(loop, host, [&](pid_t, int) { ADD_FAILURE() << "called"; });
    detail::SpawnRequest request;
    request.argv = {"server"};
    pid = gone.start(request);
  }
  host.exit_code(pid, 1);
  loop.run_ready();
}

TEST_F(ChildProcessTest, SignalAndKillGoToTheGroup) {
  EXPECT_FALSE(child.signal(SIGHUP)) << "no child";
  const pid_t pid = start();
  EXPECT_TRUE(child.signal(SIGHUP));
  child.kill();
  EXPECT_FALSE(child.running());
  ASSERT_EQ(host.signals().size(), 3u);
  EXPECT_TRUE(host.signals()[0].group);
  EXPECT_EQ(host.signals()[0].signo, SIGHUP);
  EXPECT_TRUE(host.signals()[1].group);
  EXPECT_EQ(host.signals()[1].signo, SIGKILL);
  EXPECT_EQ(host.signals()[2].pid, pid);
  EXPECT_FALSE(host.signals()[2].group);
}

TEST_F(ChildProcessTest, WaitDrainedPollsEveryPollUntilItPasses) {
  start();
  const Clock::time_point t0 = loop.now();
  int polls = 0;
  EXPECT_TRUE(child.wait_drained([&] { return ++polls == 3; }, Seconds(60)));
  EXPECT_EQ(polls, 3);
  EXPECT_EQ(host.waited_until, t0 + 3 * detail::ChildProcess::kDrainPoll);
}

TEST_F(ChildProcessTest, WaitDrainedGivesUpAtGraceOrAtTheBudget) {
  start();
  const Clock::time_point t0 = loop.now();
  int polls = 0;
  EXPECT_FALSE(child.wait_drained([&] { return ++polls < 0; }, Seconds(1)));
  EXPECT_EQ(host.waited_until, t0 + 1s);
  EXPECT_EQ(polls, 5);
  child.stop_by(t0 + 300ms);
  EXPECT_FALSE(child.wait_drained([] { return false; }, Seconds(60)));
  EXPECT_EQ(host.waited_until, t0 + 300ms);
  child.hurry();
  host.waits = 0;
  EXPECT_FALSE(child.wait_drained([] { return false; }, Seconds(60)));
  EXPECT_EQ(host.waits, 0) << "a hurry ends it at once";
}

}  // namespace
}  // namespace ochopod::test
