// `ochopod run --liveness` (issue 28): a check run every --check-every once
// --start-period has passed since the child's start; --checks failures in a
// row restart the child (a new pid), and /metrics counts the failures. Solo
// pods; the child appends its pid to a file at each start, the check is a
// shell test on a flag file the test creates to make it fail.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>

#include "harness/child_probe.h"
#include "harness/cluster_probe.h"
#include "harness/files.h"
#include "harness/proc_tree.h"
#include "harness/temp_dir.h"

namespace ochopod::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr auto kEvery = 200ms;  // --check-every below
constexpr int kChecks = 2;      // --checks below

// A solo pod whose child appends its pid to `pids` and sleeps (same pid),
// live while `flag` does not exist.
PodSpec liveness_pod(const std::string& pids, const std::string& flag,
                     const std::string& start_period) {
  return solo()
      .with_option("--liveness=cmd:test ! -e " + flag)
      .with_option("--check-every=0.2")
      .with_option("--checks=" + std::to_string(kChecks))
      .with_option("--start-period=" + start_period)
      .with_option("--grace=1")
      .with_child({"/bin/sh", "-c", "echo $$ >> " + pids + "; exec sleep 3600"});
}

TEST(RunLiveness, AFailingCheckRestartsTheChildAfterChecksFailures) {
  TempDir dir;
  const std::string pids = dir.file("pids");
  const std::string flag = dir.file("sick");
  PodProcess pod(liveness_pod(pids, flag, "0"));
  ASSERT_TRUE(wait_until([&] { return last_pid_in(pids).has_value(); }, kStartup,
                         "the child's first start"));
  const pid_t first = *last_pid_in(pids);
  // Passing checks restart nothing: watch twice the time --checks failures take.
  EXPECT_TRUE(stays_false([&] { return pids_in(pids).size() > 1; }, 2 * kChecks * kEvery + 1s,
                          "a restart while the liveness check passes"));
  EXPECT_TRUE(alive(first));
  write_text(flag, "");
  ASSERT_TRUE(wait_until([&] { return pids_in(pids).size() >= 2; }, kChecks * kEvery + kSlack,
                         "a restart after " + std::to_string(kChecks) + " failed checks"));
  EXPECT_NE(pids_in(pids)[1], first) << "the restarted child has the old pid";
  EXPECT_TRUE(wait_until([&] { return !alive(first); }, 2s, "the unlive child gone"));
  std::optional<double> failures;
  EXPECT_TRUE(wait_until(
      [&] {
        failures = metric_sum(pod.control_port(), "ochopod_liveness_failures_total");
        return failures && *failures > 0;
      },
      2s, "ochopod_liveness_failures_total above 0 in /metrics"))
      << "last value: " << (failures ? std::to_string(*failures) : "none");
}

TEST(RunLiveness, NoRestartDuringTheStartPeriodThenOneAfterIt) {
  TempDir dir;
  const std::string pids = dir.file("pids");
  const std::string flag = dir.file("sick");
  write_text(flag, "");  // the check fails from the start
  constexpr auto kStartPeriod = 2s;
  PodProcess pod(liveness_pod(pids, flag, "2"));
  ASSERT_TRUE(wait_until([&] { return last_pid_in(pids).has_value(); }, kStartup,
                         "the child's first start"));
  const auto started = Clock::now();
  const pid_t first = *last_pid_in(pids);
  // The child started just before its pid was seen: the whole window from
  // here lies within its start period.
  EXPECT_TRUE(stays_false([&] { return pids_in(pids).size() > 1 || !alive(first); },
                          kStartPeriod - 200ms, "a restart during --start-period"));
  ASSERT_TRUE(wait_until([&] { return pids_in(pids).size() >= 2; }, kChecks * kEvery + kSlack,
                         "a restart once --start-period was over"));
  EXPECT_GE(Clock::now() - started, kStartPeriod - 200ms)
      << "restarted before its start period was over";
  EXPECT_NE(pids_in(pids)[1], first);
}

}  // namespace
}  // namespace ochopod::test
