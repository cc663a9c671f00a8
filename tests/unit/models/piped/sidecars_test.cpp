// Sidecars: a Piped pod's jobs started in order, restarted at once then with
// the crash-loop backoff, stopped in reverse order (each its signal, its
// grace, then SIGKILL), their readiness latched per start, and what /info
// and /metrics show of them; on a fake host and a manual clock (the ready
// check alone runs a real /bin/sh).
#include "models/piped/sidecars.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "fake_child_host.h"
#include "harness/manual_scheduler.h"
#include "harness/temp_dir.h"
#include "models/piped/crash_loop.h"

namespace ochopod::test {
namespace {

using namespace std::chrono_literals;
using Clock = Scheduler::Clock;
using Seconds = std::chrono::duration<double>;
using detail::JobState;
using detail::Sidecars;

Job job(std::string name, int stop_signal = SIGTERM, Seconds grace = Seconds(10)) {
  Job j;
  j.name = name;
  j.command = "run-" + name;
  j.stop_signal = stop_signal;
  j.grace = grace;
  return j;
}

class SidecarsTest : public ::testing::Test {
 protected:
  std::unique_ptr<Sidecars> make(std::vector<Job> jobs, Seconds backoff = Seconds(10)) {
    Sidecars::Context ctx{loop, host, &metrics, &hints, {}, {}};
    ctx.restart_backoff = backoff;
    return std::make_unique<Sidecars>(ctx, std::move(jobs));
  }

  // The pid of the latest process of the job whose command is run-<name>.
  pid_t pid_of(const std::string& name) const {
    pid_t pid = 0;
    for (const auto& child : host.children()) {
      if (child.request.argv.back() == "run-" + name) pid = child.pid;
    }
    return pid;
  }

  ManualScheduler loop;
  FakeChildHost host;
  Metrics metrics;
  Hints hints;
};

TEST_F(SidecarsTest, StartsEveryJobInDeclarationOrderOnce) {
  auto jobs = make({job("shipper"), job("exporter"), job("agent")});
  jobs->start();
  ASSERT_EQ(host.children().size(), 3u);
  const std::vector<std::string> order = {"shipper", "exporter", "agent"};
  for (size_t i = 0; i < order.size(); ++i) {
    const auto& request = host.children()[i].request;
    EXPECT_EQ(request.argv, (std::vector<std::string>{"/bin/sh", "-c", "run-" + order[i]}));
    EXPECT_EQ(request.tag, order[i]) << "its lines are tagged with its name";
    EXPECT_TRUE(request.null_stdin);
  }
  jobs->start();
  EXPECT_EQ(host.children().size(), 3u) << "start() is idempotent";
  for (const auto& status : jobs->states()) {
    EXPECT_EQ(status.state, JobState::kRunning) << status.name;
    EXPECT_EQ(status.pid, pid_of(status.name));
    EXPECT_EQ(status.restarts, 0);
  }
}

TEST_F(SidecarsTest, TheRequestIsTheCallersWithTheNameAsTag) {
  Sidecars::Context ctx{loop, host, nullptr, nullptr, {}, {}};
  ctx.request = [](const Job& j) {
    detail::SpawnRequest request;
    request.argv = {"/bin/sh", "-c", j.command};
    request.env.emplace_back("JOB", j.name);
    return request;
  };
  Sidecars jobs(ctx, {job("shipper")});
  jobs.start();
  ASSERT_EQ(host.children().size(), 1u);
  const auto& request = host.children()[0].request;
  EXPECT_EQ(request.env, (std::vector<std::pair<std::string, std::string>>{{"JOB", "shipper"}}));
  EXPECT_EQ(request.tag, "shipper");
}

TEST_F(SidecarsTest, AKilledJobIsBackAtOnceThenAfterTheBackoff) {
  auto jobs = make({job("shipper"), job("exporter")});
  jobs->start();
  const pid_t exporter = pid_of("exporter");
  loop.advance(30s);  // a long run: the first failure of a streak
  const pid_t first = pid_of("shipper");
  host.killed_by(first, SIGKILL);
  loop.run_ready();
  ASSERT_EQ(host.children().size(), 3u) << "restarted at once";
  const pid_t second = pid_of("shipper");
  EXPECT_NE(second, first);
  EXPECT_EQ(jobs->states()[0].state, JobState::kRunning);
  EXPECT_EQ(jobs->states()[0].restarts, 1);

  // A second failure soon after its start: the backoff's first step.
  loop.advance(1s);
  host.exit_code(second, 2);
  loop.run_ready();
  EXPECT_EQ(host.children().size(), 3u);
  EXPECT_EQ(jobs->states()[0].state, JobState::kBackoff);
  EXPECT_EQ(jobs->states()[0].pid, 0);
  loop.advance(detail::CrashLoop::kFirstBackoff - 1ms);
  EXPECT_EQ(host.children().size(), 3u);
  loop.advance(1ms);
  ASSERT_EQ(host.children().size(), 4u) << "restarted after the backoff";
  EXPECT_EQ(jobs->states()[0].state, JobState::kRunning);
  EXPECT_EQ(jobs->states()[0].restarts, 2);

  EXPECT_EQ(pid_of("exporter"), exporter) << "the other job is not affected";
  EXPECT_EQ(jobs->states()[1].restarts, 0);
  const std::string text = metrics.render(hints);
  EXPECT_NE(text.find("ochopod_job_restarts_total{job=\"shipper\"} 2\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("ochopod_job_up{job=\"shipper\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("ochopod_job_restarts_total{job=\"exporter\"} 0\n"), std::string::npos)
      << text;
}

TEST_F(SidecarsTest, TheBackoffIsCappedByRestartBackoff) {
  auto jobs = make({job("shipper")}, Seconds(0.15));
  jobs->start();
  for (int i = 0; i < 4; ++i) {
    host.exit_code(pid_of("shipper"), 1);
    loop.run_ready();
    loop.advance(150ms);  // never more than the cap
    EXPECT_EQ(jobs->states()[0].state, JobState::kRunning) << "failure #" << i + 1;
  }
  EXPECT_EQ(jobs->states()[0].restarts, 4);
}

TEST_F(SidecarsTest, StopsInReverseOrderEachWithItsSignalThenSigkillAfterItsGrace) {
  auto jobs = make({job("shipper", SIGTERM, Seconds(5)), job("exporter", SIGINT, Seconds(2))});
  jobs->start();
  const pid_t shipper = pid_of("shipper");
  const pid_t exporter = pid_of("exporter");
  // The shipper goes on its signal; the exporter ignores its own.
  host.on_signal = [&](pid_t pid, int signo) {
    if (pid == shipper && signo == SIGTERM) host.killed_by(pid, signo);
  };
  std::vector<Clock::time_point> waits;
  host.on_wait = [&](Clock::time_point until) { waits.push_back(until); };
  const Clock::time_point t0 = loop.now();
  jobs->stop();

  ASSERT_GE(host.signals().size(), 3u);
  EXPECT_EQ(host.signals()[0].pid, exporter) << "the last declared goes first";
  EXPECT_EQ(host.signals()[0].signo, SIGINT);
  EXPECT_TRUE(host.signals()[0].group);
  EXPECT_EQ(host.signals()[1].pid, exporter);
  EXPECT_EQ(host.signals()[1].signo, SIGKILL);
  EXPECT_TRUE(host.signals()[1].group);
  ASSERT_FALSE(waits.empty());
  EXPECT_EQ(*std::max_element(waits.begin(), waits.end()), t0 + 2s) << "its grace, waited out";
  EXPECT_EQ(host.signals_to(shipper), std::vector<int>{SIGTERM}) << "no SIGKILL: it went";
  bool shipper_after = false;
  for (const auto& signal : host.signals()) shipper_after |= signal.pid == shipper;
  EXPECT_TRUE(shipper_after);
  EXPECT_EQ(host.signals().back().pid, shipper) << "then the first declared";

  loop.run_ready();
  loop.advance(1min);
  EXPECT_EQ(host.children().size(), 2u) << "no restart after a stop";
  for (const auto& status : jobs->states()) EXPECT_EQ(status.state, JobState::kStopped);
  const std::string text = metrics.render(hints);
  EXPECT_NE(text.find("ochopod_job_up{job=\"exporter\"} 0\n"), std::string::npos) << text;

  jobs->start();
  EXPECT_EQ(host.children().size(), 4u) << "start() after stop() starts them again";
}

TEST_F(SidecarsTest, AStopCancelsAPendingRestart) {
  auto jobs = make({job("shipper")});
  jobs->start();
  host.exit_code(pid_of("shipper"), 1);
  loop.run_ready();
  host.exit_code(pid_of("shipper"), 1);
  loop.run_ready();
  ASSERT_EQ(jobs->states()[0].state, JobState::kBackoff);
  jobs->stop();
  loop.advance(1min);
  EXPECT_EQ(host.children().size(), 2u);
  EXPECT_EQ(jobs->states()[0].state, JobState::kStopped);
}

TEST_F(SidecarsTest, KillSigkillsEveryJobAndRestartsNone) {
  auto jobs = make({job("shipper"), job("exporter")});
  jobs->start();
  jobs->kill();
  EXPECT_EQ(host.signals_to(pid_of("shipper")).front(), SIGKILL);
  EXPECT_EQ(host.signals_to(pid_of("exporter")).front(), SIGKILL);
  loop.run_ready();
  loop.advance(1min);
  EXPECT_EQ(host.children().size(), 2u);
}

TEST_F(SidecarsTest, AJobThatCannotBeSpawnedIsTriedAgain) {
  auto jobs = make({job("shipper")});
  host.refuse_spawn = true;
  jobs->start();
  EXPECT_EQ(jobs->states()[0].state, JobState::kBackoff);
  host.refuse_spawn = false;
  loop.advance(Sidecars::kSpawnRetry);
  ASSERT_EQ(host.children().size(), 1u);
  EXPECT_EQ(jobs->states()[0].state, JobState::kRunning);
  EXPECT_EQ(jobs->states()[0].restarts, 0) << "not a restart: it never ran";
}

TEST_F(SidecarsTest, ReadyLatchesPerStartWithACmdCheck) {
  TempDir dir;
  const std::string flag = dir.file("ready");
  Job checked = job("shipper");
  checked.ready = "cmd:test -e '" + flag + "'";
  auto jobs = make({checked, job("exporter")});
  EXPECT_FALSE(jobs->ready()) << "not started";
  jobs->start();
  EXPECT_FALSE(jobs->ready()) << "its check fails";
  std::ofstream(flag).put('\n');
  EXPECT_TRUE(jobs->ready());
  std::filesystem::remove(flag);
  EXPECT_TRUE(jobs->ready()) << "latched";

  host.killed_by(pid_of("shipper"), SIGKILL);
  loop.run_ready();
  ASSERT_EQ(jobs->states()[0].state, JobState::kRunning);
  EXPECT_FALSE(jobs->ready()) << "a restart asks again";
  std::ofstream(flag).put('\n');
  EXPECT_TRUE(jobs->ready());
}

TEST_F(SidecarsTest, AJobWithoutACheckIsReadyOnceStarted) {
  auto jobs = make({job("shipper")});
  EXPECT_FALSE(jobs->ready());
  jobs->start();
  EXPECT_TRUE(jobs->ready());
  auto none = make({});
  EXPECT_TRUE(none->ready()) << "no job: nothing to wait for";
}

TEST_F(SidecarsTest, InfoShowsTheJobsOnlyWhenThereAreSome) {
  EXPECT_FALSE(hints.info().contains("jobs"));
  {
    auto none = make({});
    EXPECT_FALSE(hints.info().contains("jobs")) << "no job: the /info of docs/protocol.md 5";
  }
  auto jobs = make({job("shipper")});
  EXPECT_EQ(hints.info()["jobs"]["shipper"]["state"], "stopped");
  jobs->start();
  const auto info = hints.info()["jobs"]["shipper"];
  EXPECT_EQ(info["state"], "running");
  EXPECT_EQ(info["pid"], pid_of("shipper"));
  EXPECT_EQ(info["restarts"], 0);
  host.exit_code(pid_of("shipper"), 1);
  loop.run_ready();
  EXPECT_EQ(hints.info()["jobs"]["shipper"]["restarts"], 1);
}

TEST_F(SidecarsTest, TheStopBudgetCutsAStopShort) {
  auto jobs = make({job("shipper", SIGTERM, Seconds(60))});
  jobs->start();
  const Clock::time_point t0 = loop.now();
  jobs->stop_by(t0 + 3s);
  jobs->stop();
  EXPECT_EQ(host.waited_until, t0 + 3s) << "the budget, not the 60 s grace";
  EXPECT_EQ(host.signals_to(pid_of("shipper")).at(1), SIGKILL);
}

TEST_F(SidecarsTest, HurrySigkillsWithoutWaitingOutTheGrace) {
  auto jobs = make({job("shipper", SIGTERM, Seconds(60))});
  jobs->start();
  const pid_t pid = pid_of("shipper");
  const Clock::time_point t0 = loop.now();
  jobs->hurry();
  jobs->stop();
  EXPECT_EQ(host.signals_to(pid), (std::vector<int>{SIGTERM, SIGKILL, SIGKILL}));
  EXPECT_LT(host.waited_until.value_or(t0), t0 + 60s);
}

TEST_F(SidecarsTest, WhatAnEndedJobLeftInItsGroupIsKilledAndItIsBackAtOnce) {
  auto jobs = make({job("shipper", SIGTERM, Seconds(60))});
  host.lingering = true;
  jobs->start();
  host.lingering = false;
  const pid_t pid = pid_of("shipper");
  host.exit_code(pid, 1);
  loop.run_ready();
  EXPECT_EQ(host.signals_to(pid).front(), SIGKILL) << "no grace for orphans";
  EXPECT_FALSE(host.group_alive(pid));
  EXPECT_EQ(host.children().size(), 2u);
  EXPECT_EQ(jobs->states()[0].state, JobState::kRunning);
}

TEST_F(SidecarsTest, TheDestructorKillsWhatStillRuns) {
  auto jobs = make({job("shipper")});
  jobs->start();
  const pid_t pid = pid_of("shipper");
  jobs.reset();
  EXPECT_EQ(host.signals_to(pid).front(), SIGKILL);
  loop.run_ready();  // the exit's task runs as nothing
}

}  // namespace
}  // namespace ochopod::test
