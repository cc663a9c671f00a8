// `ochopod run`'s companions of the child (issue 28): --job sidecars
// (started before the child, restarted when they die, stopped with the pod),
// --job-ready (the child waits for its job's check), --periodic jobs (one
// run per period, never two at once, killed at the pod's stop) and the
// --pre-start / --post-stop hooks around each start. Solo pods, real shells
// writing lines and pids to files the test reads.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>

#include "harness/child_probe.h"
#include "harness/cluster_probe.h"
#include "harness/files.h"
#include "harness/proc_tree.h"
#include "harness/temp_dir.h"

namespace ochopod::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// A command that appends `line` to `order` and its pid to `pids`, then
// sleeps under that same pid.
std::string recording(const std::string& line, const std::string& order, const std::string& pids) {
  return "echo " + line + " >> " + order + "; echo $$ >> " + pids + "; exec sleep 3600";
}

// Which of two shells writes its first line first is up to the scheduler
// even when the job is started first (that raced under parallel tests). So
// the child looks for the job's shell among the live processes when it
// starts: the job has been exec'd (its command line shows its marker) before
// the child is. The child's own command spells the marker in two pieces, and
// the job is given by its variable, so that the pod's command line holds no
// marker either.
TEST(RunJobs, TheJobRunsBeforeTheChildStarts) {
  TempDir dir;
  const std::string seen = dir.file("seen");
  const std::string tail = dir.path().filename().string();
  const std::string marker = "jobmark-" + tail;
  PodProcess pod(
      solo()
          .with_env("ochopod_job", "logs=: " + marker + "; while :; do sleep 1; done")
          .with_child({"/bin/sh", "-c",
                       "m=jobmark; m=\"$m-" + tail +
                           "\"; found=no; grep -qaF -- \"$m\" "
                           "/proc/[0-9]*/cmdline 2>/dev/null && found=yes; echo "
                           "\"job-running=$found\" > " +
                           seen + ".tmp; mv " + seen + ".tmp " + seen + "; exec sleep 3600"}));
  ASSERT_TRUE(wait_until([&] { return std::filesystem::exists(seen); }, kStartup,
                         "the child looking for its job"));
  EXPECT_EQ(read_text(seen), "job-running=yes\n") << "the child started before its job";
}

TEST(RunJobs, AKilledJobIsRestartedAndSigtermStopsBothThenExitsZero) {
  TempDir dir;
  const std::string job_pids = dir.file("job-pids");
  const std::string child_pids = dir.file("child-pids");
  const std::string order = dir.file("order");
  PodProcess pod(solo()
                     .with_option("--grace=2")
                     .with_option("--job-grace=2")
                     .with_option("--job=logs=" + recording("job", order, job_pids))
                     .with_child({"/bin/sh", "-c", recording("child", order, child_pids)}));
  ASSERT_TRUE(wait_until(
      [&] { return last_pid_in(job_pids).has_value() && last_pid_in(child_pids).has_value(); },
      kStartup, "the job and the child running"));
  const pid_t job = *last_pid_in(job_pids);
  const pid_t child = *last_pid_in(child_pids);
  ASSERT_EQ(::kill(job, SIGKILL), 0);
  ASSERT_TRUE(wait_until(
      [&] {
        const auto now = last_pid_in(job_pids);
        return now && *now != job && alive(*now);
      },
      1s, "a new job process within 1 s of the kill -9"));
  const pid_t new_job = *last_pid_in(job_pids);
  EXPECT_EQ(pids_in(child_pids), std::vector<pid_t>{child}) << "the child was restarted too";
  EXPECT_TRUE(alive(child)) << "the child died with its job";
  const pid_t job_group = ::getpgid(new_job);
  const pid_t child_group = ::getpgid(child);
  ASSERT_GT(job_group, 0);
  ASSERT_GT(child_group, 0);
  ASSERT_TRUE(pod.signal(SIGTERM));
  EXPECT_TRUE(exits_with(pod, 0, 2s + 2s + kSlack));
  EXPECT_TRUE(wait_until([&] { return group_gone(job_group) && group_gone(child_group); }, 1s,
                         "no process left in the job's group nor in the child's"));
  EXPECT_TRUE(pod.leftovers().empty()) << "a process of the pod outlived it";
}

TEST(RunJobs, JobReadyHoldsTheChildUntilTheCheckPasses) {
  TempDir dir;
  const std::string job_pids = dir.file("job-pids");
  const std::string flag = dir.file("db-up");
  const std::string starts = dir.file("starts");
  PodProcess pod(
      solo()
          .with_option("--job=db=echo $$ >> " + job_pids + "; exec sleep 3600")
          .with_option("--job-ready=db=cmd:test -f " + flag)
          .with_child({"/bin/sh", "-c", "echo start >> " + starts + "; exec sleep 3600"}));
  ASSERT_TRUE(
      wait_until([&] { return last_pid_in(job_pids).has_value(); }, kStartup, "the job running"));
  // The check is polled every 0.2 s (a --ready form): 1 s is many polls.
  EXPECT_TRUE(stays_false([&] { return std::filesystem::exists(starts); }, 1s,
                          "the child starting before its job's check passed"));
  write_text(flag, "");
  EXPECT_TRUE(wait_until([&] { return line_count(starts) == 1; }, kSlack,
                         "the child starting once the job's check passed"));
}

TEST(RunPeriodic, ATickEverySecondRunsFiveToSevenTimesInSixSeconds) {
  TempDir dir;
  const std::string ticks = dir.file("ticks");
  PodProcess pod(solo().with_option("--periodic=tick=1:echo tick >> " + ticks));
  // The runs start with the supervision of the child.
  ASSERT_TRUE(wait_until([&] { return process_of(pod.control_port()) == "running"; }, kStartup,
                         "the child running"));
  const auto start = Clock::now();
  EXPECT_TRUE(wait_until([&] { return line_count(ticks) >= 5; }, 6s,
                         "five runs of a 1 s periodic job within 6 s"));
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(start + 6s - Clock::now());
  EXPECT_TRUE(stays_false([&] { return line_count(ticks) > 7; }, std::max(left, 0ms),
                          "more than seven runs within 6 s"));
  std::optional<double> runs;
  EXPECT_TRUE(wait_until(
      [&] {
        runs = metric_sum(pod.control_port(), "ochopod_periodic_runs_total", "job=\"tick\"");
        return runs && *runs >= 5;
      },
      2s, "ochopod_periodic_runs_total{job=\"tick\"} counting the runs in /metrics"))
      << "last value: " << (runs ? std::to_string(*runs) : "none");
}

TEST(RunPeriodic, ASlowRunNeverOverlapsTheNext) {
  TempDir dir;
  const std::string marks = dir.file("marks");
  PodProcess pod(solo().with_option("--periodic=slow=0.5:echo start >> " + marks +
                                    "; sleep 1.2; echo end >> " + marks));
  ASSERT_TRUE(wait_until([&] { return lines_equal_to(marks, "end") >= 3; },
                         kStartup + 3 * 1200ms + kSlack, "three runs of the slow job done"));
  const auto lines = lines_of(marks);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    EXPECT_EQ(lines[i], i % 2 == 0 ? "start" : "end") << "line " << i << ": two runs overlapped\n"
                                                      << read_text(marks);
  }
}

TEST(RunPeriodic, ThePodsSigtermKillsARunningRun) {
  TempDir dir;
  const std::string run_pids = dir.file("run-pids");
  PodProcess pod(
      solo()
          .with_option("--grace=1")
          .with_option("--periodic=slow=0.5:echo $$ >> " + run_pids + "; exec sleep 30"));
  ASSERT_TRUE(wait_until([&] { return last_pid_in(run_pids).has_value(); }, kStartup,
                         "a periodic run going"));
  const pid_t run = *last_pid_in(run_pids);
  ASSERT_TRUE(alive(run));
  ASSERT_TRUE(pod.signal(SIGTERM));
  EXPECT_TRUE(exits_with(pod, 0, 1s + kSlack));
  EXPECT_TRUE(wait_until([&] { return !alive(run); }, 1s, "the running periodic run killed"));
}

TEST(RunHooks, PreStartAndPostStopRunAroundEachStart) {
  TempDir dir;
  const std::string f = dir.file("sequence");
  // One restart, then the child stays down: two full rounds.
  PodProcess pod(solo()
                     .with_option("--pre-start=echo pre >> " + f)
                     .with_option("--post-stop=echo post >> " + f)
                     .with_option("--max-restarts=1")
                     .with_child({"/bin/sh", "-c", "echo child >> " + f + "; exit 1"}));
  const std::vector<std::string> expected{"pre", "child", "post", "pre", "child", "post"};
  EXPECT_TRUE(wait_until([&] { return lines_of(f) == expected; }, kStartup + kSlack,
                         "pre, child, post twice"))
      << "sequence:\n"
      << read_text(f);
}

TEST(RunHooks, PostStopRunsAfterThePodsStop) {
  TempDir dir;
  const std::string f = dir.file("sequence");
  PodProcess pod(solo()
                     .with_option("--grace=1")
                     .with_option("--pre-start=echo pre >> " + f)
                     .with_option("--post-stop=echo post >> " + f)
                     .with_child({"/bin/sh", "-c", "echo child >> " + f + "; exec sleep 3600"}));
  ASSERT_TRUE(wait_until([&] { return line_count(f) == 2; }, kStartup, "pre, then the child"));
  ASSERT_TRUE(pod.signal(SIGTERM));
  EXPECT_TRUE(exits_with(pod, 0, 1s + kSlack));
  EXPECT_EQ(lines_of(f), (std::vector<std::string>{"pre", "child", "post"})) << read_text(f);
}

// docs/lifecycle.md, "Hooks": the start fails as after a failed
// configure(): the pod ends its work as on `kill` (process `dead`) and idles.
TEST(RunHooks, AFailingPreStartKeepsTheChildFromRunningAndThePodDead) {
  TempDir dir;
  const std::string f = dir.file("sequence");
  PodProcess pod(solo()
                     .with_option("--pre-start=echo pre >> " + f + "; exit 1")
                     .with_child({"/bin/sh", "-c", "echo child >> " + f + "; exec sleep 3600"}));
  ASSERT_TRUE(wait_until(
      [&] { return lines_equal_to(f, "pre") >= 1 && process_of(pod.control_port()) == "dead"; },
      kStartup, "the --pre-start hook run, then /info showing process dead"));
  // A retry would come at once or within the crash-loop backoff's first steps.
  EXPECT_TRUE(stays_false([&] { return lines_of(f) != std::vector<std::string>{"pre"}; }, 2s,
                          "the child running, or --pre-start again, after a failed --pre-start"))
      << read_text(f);
  EXPECT_TRUE(pod.running()) << "the solo pod exited instead of idling as dead";
}

}  // namespace
}  // namespace ochopod::test
