// `ochopod run` as a container's process manager (issue 28), its exit
// policy: --exit-with-child hands the child's code to the pod (128+n for
// signal n, 0 for a --success-codes code, 0 or 137 after the pod's own
// SIGTERM), --max-restarts bounds the restarts of a failing child. Without
// them a child exiting 0 leaves the pod `dead` and a failing one is
// restarted. Solo pods, real /bin/sh children: each start appends a line.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <filesystem>

#include "harness/child_probe.h"
#include "harness/cluster_probe.h"
#include "harness/files.h"
#include "harness/spawn.h"
#include "harness/temp_dir.h"

namespace ochopod::test {
namespace {

using namespace std::chrono_literals;

// A solo pod with `options` whose child appends "start" to the file `starts`
// names, then exits `code`.
struct CountedPod {
  TempDir dir;
  std::string starts = dir.file("starts");
  PodProcess pod;
  CountedPod(int code, const std::vector<std::string>& options)
      : pod(with_options(
            solo().with_child(
                {"/bin/sh", "-c", "echo start >> " + starts + "; exit " + std::to_string(code)}),
            options)) {}
  static PodSpec with_options(PodSpec spec, const std::vector<std::string>& options) {
    for (const auto& option : options) spec.with_option(option);
    return spec;
  }
  std::size_t count() const { return line_count(starts); }
};

TEST(RunExitWithChild, ThePodExitsWithTheChildsCode) {
  PodProcess pod(solo().with_option("--exit-with-child").with_child({"/bin/sh", "-c", "exit 3"}));
  EXPECT_TRUE(exits_with(pod, 3, kStartup + kSlack));
}

TEST(RunExitWithChild, TheEnvironmentTwinsWorkToo) {
  PodProcess pod(solo()
                     .with_env("ochopod_exit_with_child", "true")
                     .with_env("ochopod_success_codes", "143")
                     .with_child({"/bin/sh", "-c", "exit 143"}));
  EXPECT_TRUE(exits_with(pod, 0, kStartup + kSlack));
}

TEST(RunExitWithChild, ASignalledChildGives128PlusTheSignal) {
  PodProcess pod(
      solo().with_option("--exit-with-child").with_child({"/bin/sh", "-c", "kill -9 $$"}));
  EXPECT_TRUE(exits_with(pod, 128 + SIGKILL, kStartup + kSlack));
}

TEST(RunExitWithChild, MaxRestartsTwoStartsThreeTimesThenExitsWithTheLastCode) {
  CountedPod counted(5, {"--exit-with-child", "--max-restarts=2"});
  // Three starts, with at most a 0.1 s and a 0.2 s backoff between them.
  EXPECT_TRUE(exits_with(counted.pod, 5, kStartup + kSlack));
  EXPECT_EQ(counted.count(), 3u) << "starts:\n" << read_text(counted.starts);
}

TEST(RunExitWithChild, ASuccessCodeMakesThePodExitZero) {
  PodProcess pod(solo()
                     .with_option("--exit-with-child")
                     .with_option("--success-codes=143")
                     .with_child({"/bin/sh", "-c", "exit 143"}));
  EXPECT_TRUE(exits_with(pod, 0, kStartup + kSlack));
}

TEST(RunExitWithChild, AfterSigtermAChildThatExitsWithinGraceGivesZero) {
  TempDir dir;
  const std::string marker = dir.file("got-term");
  const std::string ready = dir.file("trap-set");
  PodProcess pod(solo()
                     .with_option("--exit-with-child")
                     .with_option("--grace=5")
                     .with_child({"/bin/sh", "-c",
                                  "trap 'echo term > " + marker + "; exit 7' TERM; : > " + ready +
                                      "; while :; do sleep 0.05; done"}));
  ASSERT_TRUE(wait_until(
      [&] { return process_of(pod.control_port()) == "running" && std::filesystem::exists(ready); },
      kStartup, "the child running with its TERM trap set"));
  ASSERT_TRUE(pod.signal(SIGTERM));
  EXPECT_TRUE(exits_with(pod, 0, 5s + kSlack)) << "the child's own 7 is not the pod's code";
  EXPECT_EQ(read_text(marker), "term\n") << "the child never got its SIGTERM";
}

TEST(RunExitWithChild, AfterSigtermAChildIgnoringItIsKilledAndGives137) {
  TempDir dir;
  const std::string ready = dir.file("trap-set");
  PodProcess pod(
      solo()
          .with_option("--exit-with-child")
          .with_option("--grace=0.5")
          .with_child(
              {"/bin/sh", "-c", "trap '' TERM; : > " + ready + "; while :; do sleep 0.05; done"}));
  ASSERT_TRUE(wait_until(
      [&] { return process_of(pod.control_port()) == "running" && std::filesystem::exists(ready); },
      kStartup, "the child running, ignoring SIGTERM"));
  ASSERT_TRUE(pod.signal(SIGTERM));
  EXPECT_TRUE(exits_with(pod, 137, 500ms + kSlack));
  EXPECT_TRUE(wait_until([&] { return pod.leftovers().empty(); }, 1s,
                         "no process of the pod left after its exit"));
}

TEST(RunExitPolicyDefault, AChildExitingZeroLeavesThePodRunningAndDead) {
  CountedPod counted(0, {});
  PodProcess& pod = counted.pod;
  ASSERT_TRUE(wait_until([&] { return process_of(pod.control_port()) == "dead"; },
                         kStartup + kSlack, "/info showing process dead after a 0 exit"));
  // The longest a restart would wait is --restart-backoff (10 s by default),
  // but the first after an exit is immediate: 2 s shows there is none.
  EXPECT_TRUE(stays_false([&] { return counted.count() > 1 || !pod.running(); }, 2s,
                          "a second start, or the pod exiting, after the child's 0"));
  EXPECT_EQ(counted.count(), 1u);
  EXPECT_EQ(process_of(pod.control_port()), "dead");
}

TEST(RunExitPolicyDefault, AFailingChildIsRestarted) {
  CountedPod counted(1, {"--restart-backoff=0.2"});
  EXPECT_TRUE(wait_until([&] { return counted.count() >= 3; }, kStartup + kSlack,
                         "a child exiting 1 started three times"));
  EXPECT_TRUE(counted.pod.running()) << "the pod ended with its failing child";
}

TEST(RunMaxRestarts, WithoutExitWithChildThePodStaysUpDeadAfterTheLastRestart) {
  // docs/run.md's --max-restarts: "then it stays down (the pod dead...)".
  CountedPod counted(5, {"--max-restarts=1", "--restart-backoff=1"});
  PodProcess& pod = counted.pod;
  ASSERT_TRUE(
      wait_until([&] { return counted.count() == 2 && process_of(pod.control_port()) == "dead"; },
                 kStartup + kSlack, "two starts, then /info showing process dead"));
  // A third start would come within --restart-backoff: watch twice that.
  EXPECT_TRUE(stays_false([&] { return counted.count() > 2; }, 2 * 1s,
                          "a third start after --max-restarts 1"));
  EXPECT_TRUE(pod.running()) << "the pod exited without --exit-with-child";
  EXPECT_EQ(process_of(pod.control_port()), "dead");
}

}  // namespace
}  // namespace ochopod::test
