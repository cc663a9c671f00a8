// docs/lifecycle.md, "Watching it" and "Starting the child": restarts, sanity
// checks, metrics, what the child gets, its output in the pod's log.
#include <atomic>
#include <cstdio>
#include <memory>
#include <stdexcept>

#include "piped_fixture.h"

namespace ochopod::test {
namespace {

using PipedSupervision = PipedFixture;

TEST_F(PipedSupervision, KilledChildIsRestartedAtOnce) {
  make();
  ASSERT_EQ(request("on", payload()).code, 200);
  const pid_t first = controller->child_pid();
  ASSERT_EQ(::kill(first, SIGKILL), 0);
  // The restart waits at most 1 s after the previous start.
  // The new pid is published before the count, the log line and the state.
  EXPECT_TRUE(wait_until(
      [&] {
        const pid_t now = controller->child_pid();
        return now != 0 && now != first && controller->children_started() == 2 &&
               process() == "running";
      },
      3000ms, "a new child running"));
  EXPECT_EQ(controller->child_failures(), 1);
  EXPECT_EQ(process(), "running");
  EXPECT_TRUE(logged("failed (signal 9"));
  EXPECT_TRUE(logged("child #2 started"));
}

// The first failure of a streak is restarted at once, whatever the child's age.
TEST_F(PipedSupervision, FirstKillOfAChildThatRan300MsIsRestartedWithin150Ms) {
  make();
  ASSERT_EQ(request("on", payload()).code, 200);
  const pid_t first = controller->child_pid();
  const auto started = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - started < 300ms) {
    ASSERT_TRUE(stays_false([&] { return controller->child_pid() != first; }, 20ms,
                            "the child replaced before it was killed"));
  }
  ASSERT_EQ(::kill(first, SIGKILL), 0);
  const auto killed = std::chrono::steady_clock::now();
  ASSERT_TRUE(wait_until(
      [&] {
        const pid_t now = controller->child_pid();
        return now != 0 && now != first;
      },
      3000ms, "a new child"));
  const auto took =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - killed);
  std::printf("kill -9 of a 0.3 s old child -> restarted: %.1f ms\n", took.count());
  EXPECT_LT(took.count(), 150.0) << "the restart of a first failure was delayed";
  EXPECT_TRUE(logged("restarting the child at once"));
}

// Delays 0, 0.1, 0.2, 0.4 ... 6.4 s: starts at 0, 0, 0.1, 0.3, 0.7, 1.5, 3.1
// and 6.3 s, so 8 in the first 10 s (ochopod's 1 s pace made 10 or 11).
TEST_F(PipedSupervision, ChildExitingAtOnceStartsAtMostTenTimesInItsFirstTenSeconds) {
  pod.shell = true;
  pod.command = "exit 1";
  make();
  const auto start = std::chrono::steady_clock::now();
  ASSERT_EQ(request("on", payload()).code, 200);
  EXPECT_TRUE(wait_until([&] { return controller->children_started() >= 3; }, 3000ms,
                         "the first quick restarts"));
  // A window to count in: the first 10 s since the `on`.
  EXPECT_TRUE(stays_false([&] { return controller->children_started() > 10; },
                          std::chrono::duration_cast<std::chrono::milliseconds>(
                              start + 10s - std::chrono::steady_clock::now()),
                          "an 11th start within 10 s"));
  const int started = controller->children_started();
  std::printf("child exiting 1 at once: %d starts in its first 10 s\n", started);
  EXPECT_LE(started, 10);
  EXPECT_GE(started, 6) << "the backoff is slower than 0.1 s doubled";
  EXPECT_TRUE(logged("restarting the child in 0.1 s"));
  EXPECT_TRUE(logged("restarting the child in 0.4 s"));
}

TEST_F(PipedSupervision, RestartBackoffZeroRestartsAtOnceAlways) {
  pod.shell = true;
  pod.command = "exit 1";
  pod.restart_backoff = std::chrono::duration<double>(0);
  make();
  ASSERT_EQ(request("on", payload()).code, 200);
  // With the backoff, 20 starts would take over 10 s.
  EXPECT_TRUE(wait_until([&] { return controller->children_started() >= 20; }, 5000ms,
                         "20 starts of a child that fails at once"));
  EXPECT_FALSE(logged("restarting the child in"));
  EXPECT_EQ(request("off").code, 200);
}

TEST_F(PipedSupervision, ChildThatKeepsFailingIsTurnedOff) {
  pod.shell = true;
  pod.command = "exit 1";
  pod.checks = 3;
  pod.check_every = std::chrono::duration<double>(0.2);
  make();
  ASSERT_EQ(request("on", payload()).code, 200);
  // The line is logged as the stop begins: a restarted child may still be
  // terminating.
  EXPECT_TRUE(wait_until(
      [&] { return logged("no failure left: turning the child off") && process() == "stopped"; },
      after(pod.check_every * pod.checks), "the child turned off"));
  EXPECT_GE(controller->child_failures(), 1);
  const int started = controller->children_started();
  // Well past the first backoff delays: no restart comes any more.
  EXPECT_TRUE(stays_false([&] { return controller->children_started() != started; }, 2000ms,
                          "a restart after the child was turned off"));
  // Still configured: a manual `on` runs it again.
  EXPECT_EQ(request("on").code, 200);
  EXPECT_EQ(controller->children_started(), started + 1);
  EXPECT_NE(process(), "dead");
}

TEST_F(PipedSupervision, ExitZeroEndsThePodsWork) {
  pod.shell = true;
  pod.command = "exit 0";
  make();
  ASSERT_EQ(request("on", payload()).code, 200);
  EXPECT_TRUE(wait_until([&] { return process() == "dead"; }, 3000ms, "process dead"));
  EXPECT_EQ(pod.finalized.load(), 1);
  EXPECT_EQ(controller->child_failures(), 0);
  for (const char* task : {"check", "on", "off", "ok", "kill", "signal"}) {
    EXPECT_EQ(request(task).code, 410) << task;
  }
}

TEST_F(PipedSupervision, SanityMetricsShowWhileRunningAndClearWhenStopped) {
  pod.check_every = std::chrono::duration<double>(0.2);
  pod.on_sanity = [](const Process& p) -> std::optional<json> { return json{{"pid", p.pid}}; };
  make();
  ASSERT_EQ(request("on", payload()).code, 200);
  const pid_t pid = controller->child_pid();
  EXPECT_TRUE(wait_until(
      [&] {
        return hints.info()["metrics"] == json{{"pid", pid}};
      },
      after(pod.check_every), "metrics from sanity_check"));
  EXPECT_EQ(request("off").code, 200);
  EXPECT_EQ(hints.info()["metrics"], json::object());
}

TEST_F(PipedSupervision, FailingSanityCheckTurnsTheChildOffAfterChecksInARow) {
  pod.checks = 2;
  pod.check_every = std::chrono::duration<double>(0.2);
  // Shared, not on this stack: checks keep coming on the lifecycle thread
  // until the fixture destroys the controller, after this body returned.
  const auto calls = std::make_shared<std::atomic<int>>(0);
  pod.on_sanity = [calls](const Process&) -> std::optional<json> {
    ++*calls;
    throw std::runtime_error("unhealthy");
  };
  make();
  ASSERT_EQ(request("on", payload()).code, 200);
  EXPECT_TRUE(wait_until([&] { return process() == "stopped"; },
                         after(pod.check_every * pod.checks), "child turned off"));
  EXPECT_EQ(calls->load(), 2);
  EXPECT_EQ(controller->child_pid(), 0);
  EXPECT_NE(process(), "dead");
}

TEST_F(PipedSupervision, PassingCheckRestoresTheAllowance) {
  pod.checks = 2;
  pod.check_every = std::chrono::duration<double>(0.2);
  // Shared, as above: the checks outlive this body.
  const auto calls = std::make_shared<std::atomic<int>>(0);
  // fail, pass, fail, pass...: never two in a row
  pod.on_sanity = [calls](const Process&) -> std::optional<json> {
    if (++*calls % 2 == 1) throw std::runtime_error("flaky");
    return std::nullopt;
  };
  make();
  ASSERT_EQ(request("on", payload()).code, 200);
  EXPECT_TRUE(stays_false(
      [&] { return process() != "running"; },
      std::chrono::duration_cast<std::chrono::milliseconds>(pod.check_every * 2 * pod.checks * 2),
      "child turned off by alternating checks"));
  EXPECT_GE(calls->load(), 3);
}

TEST_F(PipedSupervision, PipeSubprocessLogsEachLine) {
  pod.pipe_subprocess = true;
  pod.shell = true;
  pod.command = "echo hello out; echo hello err >&2; printf 'no newline'; exec sleep 1000";
  make();
  ASSERT_EQ(request("on", payload()).code, 200);
  EXPECT_TRUE(wait_until([&] { return logged("[child] hello out"); }, 3000ms, "stdout line"));
  EXPECT_TRUE(wait_until([&] { return logged("[child] hello err"); }, 3000ms, "stderr line"));
  EXPECT_EQ(request("off").code, 200);  // the reader does not hold the stop
  EXPECT_TRUE(logged("[child] no newline"));
}

TEST_F(PipedSupervision, OutputReaderDoesNotBlockOnAGrandchildHoldingThePipe) {
  pod.pipe_subprocess = true;
  pod.shell = true;
  pod.cwd = dir.string();
  // The grandchild leaves the group (setsid), so the stop does not reach it,
  // yet it keeps the pipe open.
  pod.command = "setsid sh -c 'echo $$ > gc.pid; exec sleep 1000' & echo started; exec sleep 1000";
  pod.grace = std::chrono::duration<double>(5.0);
  make();
  ASSERT_EQ(request("on", payload()).code, 200);
  EXPECT_TRUE(wait_until([&] { return logged("[child] started"); }, 3000ms, "output"));
  ASSERT_TRUE(wait_until([&] { return !read_file(dir / "gc.pid").empty(); }, 3000ms, "gc.pid"));
  const pid_t grandchild = std::stoi(read_file(dir / "gc.pid"));
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(request("off").code, 200);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2000ms);  // neither grace nor EOF awaited
  EXPECT_EQ(::kill(grandchild, SIGKILL), 0);
}

TEST_F(PipedSupervision, ChildGetsHintsOverridesClusterFileAndCwd) {
  pod.shell = true;
  pod.cwd = dir.string();
  pod.env = {{"HOME", "/override"}, {"EXTRA", "42"}};
  pod.command =
      "printf '%s' \"$ochopod\" > hints.json; cp \"$OCHOPOD_CLUSTER\" cluster.json;"
      " echo \"$HOME $EXTRA\" > env.txt; pwd > pwd.txt; : > done; exec sleep 1000";
  hints.set_registration(json{{"application", "test-app"}, {"ip", "127.0.0.1"}});
  make();
  ASSERT_EQ(request("on", payload()).code, 200);
  ASSERT_TRUE(wait_until([&] { return std::filesystem::exists(dir / "done"); }, 3000ms,
                         "the child's files"));
  const auto child_hints = json::parse(read_file(dir / "hints.json"));
  EXPECT_EQ(child_hints["application"], "test-app");
  EXPECT_TRUE(child_hints.contains("process"));
  const auto cluster = json::parse(read_file(dir / "cluster.json"));
  EXPECT_EQ(cluster["key"], "b");
  EXPECT_EQ(cluster["index"], 1);
  EXPECT_EQ(cluster["size"], 3);
  EXPECT_EQ(cluster["seq"], 2);
  EXPECT_TRUE(cluster.contains("pods"));
  EXPECT_TRUE(cluster.contains("dependencies"));
  EXPECT_EQ(read_file(dir / "env.txt"), "/override 42\n");
  EXPECT_EQ(read_file(dir / "pwd.txt"), std::filesystem::canonical(dir).string() + "\n");
}

TEST_F(PipedSupervision, ChildStartsWithCleanSignalsAndNoInheritedFds) {
  pod.shell = true;
  pod.cwd = dir.string();
  // SigBlk/SigIgn from /proc: nothing blocked, nothing ignored; fds: 0, 1, 2 only
  // (ls itself opens one more for the directory it lists).
  pod.command =
      "grep -E '^Sig(Blk|Ign)' /proc/self/status > sig.txt; ls /proc/self/fd > fds.txt;"
      " : > done; exec sleep 1000";
  make();
  // A descriptor the pod holds without CLOEXEC must not reach the child.
  const int leaked = ::dup(2);
  ASSERT_EQ(request("on", payload()).code, 200);
  ASSERT_TRUE(wait_until([&] { return std::filesystem::exists(dir / "done"); }, 3000ms,
                         "the child's files"));
  ::close(leaked);
  EXPECT_EQ(read_file(dir / "sig.txt"), "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n");
  std::istringstream fds(read_file(dir / "fds.txt"));
  int count = 0;
  for (std::string fd; fds >> fd;) ++count;
  EXPECT_EQ(count, 4);  // 0 1 2 + ls's own
}

TEST_F(PipedSupervision, ArgvIsUsedExactlyAsGiven) {
  pod.cwd = dir.string();
  pod.argv = std::vector<std::string>{
      "sh", "-c", "printf '%s|' \"$0\" \"$@\" > argv.txt; exec sleep 1000", "zero", "a b", "c"};
  make();
  ASSERT_EQ(request("on", payload()).code, 200);
  ASSERT_TRUE(wait_until([&] { return !read_file(dir / "argv.txt").empty(); }, 3000ms, "argv.txt"));
  EXPECT_EQ(read_file(dir / "argv.txt"), "zero|a b|c|");
}

TEST_F(PipedSupervision, ShellJoinsArgv) {
  pod.cwd = dir.string();
  pod.shell = true;
  pod.argv =
      std::vector<std::string>{"echo", "one", "two", ">", "out.txt;", "exec", "sleep", "1000"};
  make();
  ASSERT_EQ(request("on", payload()).code, 200);
  ASSERT_TRUE(wait_until([&] { return !read_file(dir / "out.txt").empty(); }, 3000ms, "out.txt"));
  EXPECT_EQ(read_file(dir / "out.txt"), "one two\n");
}

}  // namespace
}  // namespace ochopod::test
