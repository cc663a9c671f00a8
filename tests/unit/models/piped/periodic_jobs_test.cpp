// PeriodicJobs: runs one period after start() and then at each period, never
// two of one job at once (a long run delays the next, without a kill), the
// timeout that kills a run's group, stop() that kills the runs in flight, and
// what /info and /metrics show; on a fake host and a manual clock.
#include "models/piped/periodic_jobs.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <string>
#include <vector>

#include "fake_child_host.h"
#include "harness/manual_scheduler.h"

namespace ochopod::test {
namespace {

using namespace std::chrono_literals;
using Clock = Scheduler::Clock;
using Seconds = std::chrono::duration<double>;
using detail::PeriodicJobs;

PeriodicJob periodic(std::string name, Seconds every, Seconds timeout = Seconds(0)) {
  PeriodicJob j;
  j.name = name;
  j.every = every;
  j.command = "run-" + name;
  j.timeout = timeout;
  return j;
}

class PeriodicJobsTest : public ::testing::Test {
 protected:
  std::unique_ptr<PeriodicJobs> make(std::vector<PeriodicJob> jobs) {
    return std::make_unique<PeriodicJobs>(PeriodicJobs::Context{loop, host, &metrics, &hints, {}},
                                          std::move(jobs));
  }
  size_t runs_started() const { return host.children().size(); }

  ManualScheduler loop;
  FakeChildHost host;
  Metrics metrics;
  Hints hints;
};

TEST_F(PeriodicJobsTest, TheFirstRunComesOnePeriodAfterStartThenOneEachPeriod) {
  auto jobs = make({periodic("backup", Seconds(60))});
  jobs->start();
  jobs->start();  // idempotent
  loop.advance(60s - 1ms);
  EXPECT_EQ(runs_started(), 0u);
  loop.advance(1ms);
  ASSERT_EQ(runs_started(), 1u);
  const auto& request = host.children()[0].request;
  EXPECT_EQ(request.argv, (std::vector<std::string>{"/bin/sh", "-c", "run-backup"}));
  EXPECT_EQ(request.tag, "backup");
  EXPECT_TRUE(jobs->states()[0].running);

  loop.advance(5s);
  host.exit_code(host.last_pid(), 0);
  loop.run_ready();
  auto status = jobs->states()[0];
  EXPECT_FALSE(status.running);
  EXPECT_EQ(status.runs, 1);
  EXPECT_EQ(status.last_exit_code, 0);
  EXPECT_DOUBLE_EQ(status.last_duration, 5.0);

  loop.advance(55s - 1ms);  // the period counts from the run's start
  EXPECT_EQ(runs_started(), 1u);
  loop.advance(1ms);
  EXPECT_EQ(runs_started(), 2u);
}

TEST_F(PeriodicJobsTest, ARunLongerThanItsPeriodDelaysTheNextWithoutAKill) {
  auto jobs = make({periodic("backup", Seconds(10))});  // timeout: 100 s
  jobs->start();
  loop.advance(10s);
  ASSERT_EQ(runs_started(), 1u);
  const pid_t first = host.last_pid();
  loop.advance(25s);  // two and a half periods
  EXPECT_EQ(runs_started(), 1u) << "never two runs at once";
  EXPECT_TRUE(host.signals().empty()) << "not killed for its length";
  host.exit_code(first, 3);
  loop.run_ready();
  loop.advance(0s);
  ASSERT_EQ(runs_started(), 2u) << "the next one right after it ended";
  EXPECT_EQ(jobs->states()[0].last_exit_code, 3);
  EXPECT_DOUBLE_EQ(jobs->states()[0].last_duration, 25.0);
}

TEST_F(PeriodicJobsTest, ARunPastItsTimeoutIsKilledWithItsGroup) {
  auto jobs = make({periodic("backup", Seconds(10), Seconds(15))});
  jobs->start();
  loop.advance(10s);
  const pid_t pid = host.last_pid();
  loop.advance(15s - 1ms);
  EXPECT_TRUE(host.signals().empty());
  loop.advance(1ms);
  ASSERT_FALSE(host.signals().empty());
  EXPECT_EQ(host.signals()[0].pid, pid);
  EXPECT_EQ(host.signals()[0].signo, SIGKILL);
  EXPECT_TRUE(host.signals()[0].group) << "its whole group";
  auto status = jobs->states()[0];
  EXPECT_EQ(status.runs, 1);
  EXPECT_EQ(status.timeouts, 1);
  EXPECT_EQ(status.last_exit_code, 128 + SIGKILL);
  loop.advance(0s);
  EXPECT_EQ(runs_started(), 2u) << "overdue: the next one at once";

  const std::string text = metrics.render(hints);
  for (const char* line : {"ochopod_periodic_runs_total{job=\"backup\"} 1\n",
                           "ochopod_periodic_timeouts_total{job=\"backup\"} 1\n",
                           "ochopod_periodic_last_exit_code{job=\"backup\"} 137\n",
                           "ochopod_periodic_last_duration_seconds{job=\"backup\"} 15.000\n"}) {
    EXPECT_NE(text.find(line), std::string::npos) << line << text;
  }
}

TEST_F(PeriodicJobsTest, TheDefaultTimeoutIsTenPeriods) {
  auto jobs = make({periodic("backup", Seconds(10))});
  jobs->start();
  loop.advance(10s);
  loop.advance(100s - 1ms);
  EXPECT_TRUE(host.signals().empty());
  loop.advance(1ms);
  EXPECT_EQ(host.signals_to(host.children()[0].pid).front(), SIGKILL);
}

TEST_F(PeriodicJobsTest, WhatARunLeftInItsGroupIsKilledWhenItEnds) {
  auto jobs = make({periodic("backup", Seconds(10))});
  jobs->start();
  host.lingering = true;
  loop.advance(10s);
  const pid_t pid = host.last_pid();
  host.exit_code(pid, 0);
  loop.run_ready();
  EXPECT_EQ(host.signals_to(pid), std::vector<int>{SIGKILL});
  EXPECT_FALSE(host.group_alive(pid));
}

TEST_F(PeriodicJobsTest, StopKillsTheRunsInFlightAndDisarms) {
  auto jobs = make({periodic("backup", Seconds(10)), periodic("vacuum", Seconds(60))});
  jobs->start();
  loop.advance(10s);
  ASSERT_EQ(runs_started(), 1u);
  const pid_t pid = host.last_pid();
  jobs->stop();
  EXPECT_EQ(host.signals_to(pid).front(), SIGKILL);
  EXPECT_FALSE(host.group_alive(pid));
  auto status = jobs->states()[0];
  EXPECT_FALSE(status.running);
  EXPECT_EQ(status.runs, 1);
  EXPECT_EQ(status.last_exit_code, 128 + SIGKILL);
  EXPECT_EQ(status.timeouts, 0);
  loop.run_ready();
  loop.advance(1h);
  EXPECT_EQ(runs_started(), 1u) << "no run after stop()";

  jobs->start();
  loop.advance(10s);
  EXPECT_EQ(runs_started(), 2u) << "start() arms them again";
}

TEST_F(PeriodicJobsTest, AStopTakesInAnExitNotSeenYetWithoutSignallingItsPid) {
  auto jobs = make({periodic("backup", Seconds(10))});
  jobs->start();
  loop.advance(10s);
  const pid_t pid = host.last_pid();
  host.exit_code(pid, 0);  // its task still queued: the pid may be someone else's now
  jobs->stop();
  EXPECT_TRUE(host.signals_to(pid).empty());
  EXPECT_EQ(jobs->states()[0].runs, 1);
  EXPECT_EQ(jobs->states()[0].last_exit_code, 0);
  loop.run_ready();
  EXPECT_EQ(jobs->states()[0].runs, 1) << "counted once";
}

TEST_F(PeriodicJobsTest, ARunThatCannotStartIsTriedAgainAPeriodLater) {
  auto jobs = make({periodic("backup", Seconds(10))});
  jobs->start();
  host.refuse_spawn = true;
  loop.advance(10s);
  EXPECT_EQ(runs_started(), 0u);
  host.refuse_spawn = false;
  loop.advance(10s);
  EXPECT_EQ(runs_started(), 1u);
}

TEST_F(PeriodicJobsTest, InfoAndMetricsShowThePeriodicJobsOnlyWhenThereAreSome) {
  {
    auto none = make({});
    EXPECT_FALSE(hints.info().contains("periodic"));
    EXPECT_EQ(metrics.render(hints).find("ochopod_periodic_"), std::string::npos);
  }
  auto jobs = make({periodic("backup", Seconds(10))});
  auto info = hints.info()["periodic"]["backup"];
  EXPECT_EQ(info["state"], "stopped");
  EXPECT_TRUE(info["last_exit_code"].is_null());
  std::string text = metrics.render(hints);
  EXPECT_NE(text.find("ochopod_periodic_runs_total{job=\"backup\"} 0\n"), std::string::npos)
      << text;
  EXPECT_EQ(text.find("ochopod_periodic_last_exit_code"), std::string::npos)
      << "no last run yet: " << text;
  jobs->start();
  EXPECT_EQ(hints.info()["periodic"]["backup"]["state"], "waiting");
  loop.advance(10s);
  info = hints.info()["periodic"]["backup"];
  EXPECT_EQ(info["state"], "running");
  EXPECT_EQ(info["pid"], host.last_pid());
  host.exit_code(host.last_pid(), 1);
  loop.run_ready();
  info = hints.info()["periodic"]["backup"];
  EXPECT_EQ(info["runs"], 1);
  EXPECT_EQ(info["last_exit_code"], 1);
}

TEST_F(PeriodicJobsTest, TheDestructorKillsARunInFlight) {
  auto jobs = make({periodic("backup", Seconds(10))});
  jobs->start();
  loop.advance(10s);
  const pid_t pid = host.last_pid();
  jobs.reset();
  EXPECT_EQ(host.signals_to(pid).front(), SIGKILL);
  loop.run_ready();  // the exit's task runs as nothing
}

}  // namespace
}  // namespace ochopod::test
