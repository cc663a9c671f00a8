// The pod process and what it shares with its callbacks and its child
// (issue 10, "Subprocesses from callbacks" and "Signals like tini"): user
// callbacks that run popen()/system() get their own exit statuses, as PID 1
// too; signals the pod does not handle itself reach the child's group; a
// second SIGTERM cuts the grace short; a pod killed by SIGKILL takes its
// child with it. Solo pods: the behaviour under test is the pod's own.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>

#include "harness/cluster_probe.h"
#include "harness/files.h"
#include "harness/ports.h"
#include "harness/proc_tree.h"
#include "harness/spawn.h"

namespace ochopod::test {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

// The test pod whose sanity_check() runs popen()/system() 100 times each.
PodSpec subprocess_pod(const TempDir& out) {
  PodSpec spec = solo()
                     .with_program(TEST_POD_BIN)
                     .with_env("TEST_SUBPROCESSES", "1")
                     .with_env("TEST_CHECK_EVERY", "0.3")
                     .with_env("TEST_OUT", out.path().string());
  spec.control_port = free_port();
  return spec;
}

// Waits for the first sanity check's metrics and checks every count.
void expect_every_subprocess_status(int control_port) {
  json metrics;
  ASSERT_TRUE(wait_until(
      [&] {
        auto info = pod_info(control_port, 2s);
        if (!info || !(*info)["metrics"].contains("checks")) return false;
        metrics = (*info)["metrics"];
        return true;
      },
      15s, "the first sanity check's metrics"))
      << "the child was turned off, or sanity_check() never ran";
  EXPECT_EQ(metrics["popen_ok"], 100) << metrics.dump();
  EXPECT_EQ(metrics["system_ok"], 100) << metrics.dump();
  EXPECT_EQ(metrics["api_ok"], true) << metrics.dump();
  EXPECT_EQ(process_of(control_port), "running");
}

TEST(RunPodSubprocess, CallbacksGetTheirOwnExitStatuses) {
  TempDir out;
  PodSpec spec = subprocess_pod(out);
  PodProcess pod(spec.args(), spec.environment(), TEST_POD_BIN);
  expect_every_subprocess_status(spec.control_port);
}

TEST(RunPodSubprocess, AsPid1CallbacksStillGetTheirOwnExitStatuses) {
  TempDir out;
  PodSpec spec = subprocess_pod(out);
  auto args = spec.args();
  args.insert(args.begin(), {"--pid", "--fork", "--mount-proc", TEST_POD_BIN});
  PodProcess pod(args, spec.environment(), "/usr/bin/unshare");
  expect_every_subprocess_status(spec.control_port);
}

// As PID 1 the pod is two processes: the reaper (PID 1) and the runtime, its
// child. A SIGTERM to PID 1 reaches the runtime, which stops gracefully; the
// runtime's exit code becomes PID 1's, and so unshare's.
TEST(RunPodSubprocess, AsPid1SigtermIsForwardedAndTheExitCodePassedOn) {
  TempDir dir;
  const std::string marker = dir.file("got-term");
  const std::string ready = dir.file("trap-set");
  PodSpec spec = solo().with_option("--grace=5").with_child(term_trapping_child(marker, ready));
  spec.control_port = free_port();
  auto args = spec.args();
  args.insert(args.begin(), {"--pid", "--fork", "--mount-proc", OCHOPOD_BIN});
  PodProcess pod(args, spec.environment(), "/usr/bin/unshare");
  ASSERT_TRUE(wait_until(
      [&] { return process_of(spec.control_port) == "running" && std::filesystem::exists(ready); },
      10s, "the child running with its trap set"));
  pid_t pid1 = 0;
  for (pid_t p : descendants(pod.pid())) {
    if (parent_of(p) == pod.pid()) pid1 = p;
  }
  ASSERT_NE(pid1, 0) << "no PID 1 under unshare";
  // PID 1's only child is the runtime, whose only child is the pod's child.
  int runtimes = 0;
  for (pid_t p : descendants(pid1)) runtimes += parent_of(p) == pid1;
  EXPECT_EQ(runtimes, 1);
  ASSERT_EQ(::kill(pid1, SIGTERM), 0);
  const auto status = pod.wait_exit(5s + 3s);
  ASSERT_TRUE(status) << "the pod did not stop within its grace plus slack";
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << describe_status(*status);
  EXPECT_NE(read_text(marker).find("term"), std::string::npos) << "the child got no SIGTERM";
  EXPECT_NE(pod.output().find("finaliz"), std::string::npos) << "finalize not logged";
}

// The child's pid: the pod's direct child that is not its guardian.
pid_t child_of(const PodProcess& pod) {
  pid_t child = 0;
  wait_until(
      [&] {
        for (pid_t p : descendants(pod.pid())) {
          if (parent_of(p) == pod.pid() && !is_guardian(p)) child = p;
        }
        return child != 0;
      },
      5s, "the pod's child");
  return child;
}

TEST(RunPodSignals, HupAndUsr1ReachTheChildAndThePodKeepsRunning) {
  TempDir dir;
  const std::string marker = dir.file("got");
  const std::string ready = dir.file("traps-set");
  PodSpec spec =
      solo().with_child({"/bin/sh", "-c",
                         "trap 'echo hup >> " + marker + "' HUP; trap 'echo usr1 >> " + marker +
                             "' USR1; : > " + ready + "; while :; do sleep 0.05; done"});
  PodProcess pod(spec);
  ASSERT_TRUE(wait_until(
      [&] { return process_of(pod.control_port()) == "running" && std::filesystem::exists(ready); },
      10s, "the child running with its traps set"));
  const pid_t child = child_of(pod);
  ASSERT_NE(child, 0);
  auto got = [&] { return read_text(marker); };
  ASSERT_TRUE(pod.signal(SIGHUP));
  EXPECT_TRUE(wait_until([&] { return got().find("hup") != std::string::npos; }, 5s,
                         "SIGHUP forwarded to the child's trap"));
  ASSERT_TRUE(pod.signal(SIGUSR1));
  EXPECT_TRUE(wait_until([&] { return got().find("usr1") != std::string::npos; }, 5s,
                         "SIGUSR1 forwarded to the child's trap"));
  EXPECT_TRUE(pod.running()) << "the pod died of a signal it should have forwarded";
  EXPECT_EQ(process_of(pod.control_port()), "running");
  EXPECT_TRUE(alive(child)) << "the child was restarted or killed by the forwarded signals";
}

TEST(RunPodSignals, SecondSigtermDuringTheGraceEndsThePodWithinASecond) {
  TempDir dir;
  const std::string ready = dir.file("trap-set");
  PodSpec spec = solo()
                     .with_option("--grace=60")
                     .with_child({"/bin/sh", "-c",
                                  "trap '' TERM; : > " + ready + "; while :; do sleep 0.05; done"});
  PodProcess pod(spec);
  ASSERT_TRUE(wait_until(
      [&] { return process_of(pod.control_port()) == "running" && std::filesystem::exists(ready); },
      10s, "the child running, ignoring SIGTERM"));
  ASSERT_TRUE(pod.signal(SIGTERM));
  ASSERT_TRUE(wait_until([&] { return process_of(pod.control_port()) == "terminating"; }, 5s,
                         "the stop waiting out its grace"));
  const auto second = Clock::now();
  ASSERT_TRUE(pod.signal(SIGTERM));
  const auto status = pod.wait_exit(1s);
  const auto took = std::chrono::duration<double, std::milli>(Clock::now() - second).count();
  ASSERT_TRUE(status) << "the pod still ran 1 s after the second SIGTERM";
  std::printf("second SIGTERM -> pod exit: %.0f ms\n", took);
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << describe_status(*status);
  EXPECT_NE(pod.output().find("finaliz"), std::string::npos) << "finalize not logged";
  EXPECT_TRUE(pod.leftovers().empty()) << "a process of the pod outlived it";
}

TEST(RunPodSignals, SigkillOfThePodTakesItsChildWithin100Ms) {
  PodProcess pod(solo());
  ASSERT_TRUE(wait_until([&] { return process_of(pod.control_port()) == "running"; }, 10s,
                         "the child running"));
  const pid_t child = child_of(pod);
  ASSERT_NE(child, 0);
  const auto start = Clock::now();
  ASSERT_TRUE(pod.signal(SIGKILL));
  // Gone: no such process, or a zombie waiting for whoever inherited it.
  const bool gone = wait_until([&] { return !alive(child); }, 100ms, "the child gone");
  const auto took = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  std::printf("pod SIGKILL -> child gone: %.1f ms\n", took);
  EXPECT_TRUE(gone) << "the child outlived its SIGKILLed pod by 100 ms";
  ::kill(child, SIGKILL);  // not left behind should the test fail
}

}  // namespace
}  // namespace ochopod::test
