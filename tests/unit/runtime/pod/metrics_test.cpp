// Metrics: what each count does to the exposition GET /metrics serves, and
// that the text keeps Prometheus' rules (cumulative buckets, escaped labels,
// only numbers as user metrics). promtool itself reads a real pod's output in
// tests/integration/metrics_test.cpp.
#include "runtime/pod/metrics.h"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <chrono>
#include <sstream>
#include <string>
#include <vector>

namespace ochopod {
namespace {

using namespace std::chrono_literals;

bool has_line(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos || text.rfind(line + "\n", 0) == 0;
}

TEST(Metrics, ChildStartsRestartsAndLastExitCode) {
  Metrics m;
  Hints hints;
  hints.set_process(ProcessState::kRunning);
  m.child_started(false);
  m.child_exited(W_EXITCODE(3, 0));
  m.child_started(true);
  m.child_exited(W_EXITCODE(0, 9));  // killed by SIGKILL
  const std::string text = m.render(hints);
  EXPECT_TRUE(has_line(text, "ochopod_child_starts_total 2")) << text;
  EXPECT_TRUE(has_line(text, "ochopod_child_restarts_total 1")) << text;
  EXPECT_TRUE(has_line(text, "ochopod_child_last_exit_code 137")) << text;
  EXPECT_TRUE(has_line(text, "ochopod_child_state{state=\"running\"} 1")) << text;
  EXPECT_TRUE(has_line(text, "ochopod_child_state{state=\"stopped\"} 0")) << text;
  EXPECT_TRUE(has_line(text, "# TYPE ochopod_child_restarts_total counter")) << text;
}

TEST(Metrics, NoExitCodeBeforeAChildEndedAndNoUptimeWhenStopped) {
  Metrics m;
  Hints hints;
  std::string text = m.render(hints);
  EXPECT_EQ(text.find("ochopod_child_last_exit_code"), std::string::npos) << text;
  EXPECT_TRUE(has_line(text, "ochopod_child_uptime_seconds 0.000")) << text;
  m.child_started(false);
  m.child_stopped();
  text = m.render(hints);
  EXPECT_TRUE(has_line(text, "ochopod_child_uptime_seconds 0.000")) << text;
}

TEST(Metrics, ChecksAndTheirFailures) {
  Metrics m;
  m.check_ran(false);
  m.check_ran(true);
  m.check_ran(false);
  const std::string text = m.render(Hints());
  EXPECT_TRUE(has_line(text, "ochopod_sanity_checks_total 3")) << text;
  EXPECT_TRUE(has_line(text, "ochopod_sanity_check_failures_total 1")) << text;
}

TEST(Metrics, RoundsByOutcomeInACumulativeHistogram) {
  Metrics m;
  m.round_done(Metrics::Round::kOk, 20ms);
  m.round_done(Metrics::Round::kFailed, 3s);
  m.round_done(Metrics::Round::kCancelled, 100s);  // beyond the last bound: +Inf only
  const std::string text = m.render(Hints());
  EXPECT_TRUE(has_line(text, "ochopod_leader_rounds_total{outcome=\"ok\"} 1")) << text;
  EXPECT_TRUE(has_line(text, "ochopod_leader_rounds_total{outcome=\"failed\"} 1")) << text;
  EXPECT_TRUE(has_line(text, "ochopod_leader_rounds_total{outcome=\"cancelled\"} 1")) << text;
  EXPECT_TRUE(has_line(text, "ochopod_leader_round_duration_seconds_bucket{le=\"0.01\"} 0"))
      << text;
  EXPECT_TRUE(has_line(text, "ochopod_leader_round_duration_seconds_bucket{le=\"0.05\"} 1"))
      << text;
  EXPECT_TRUE(has_line(text, "ochopod_leader_round_duration_seconds_bucket{le=\"5\"} 2")) << text;
  EXPECT_TRUE(has_line(text, "ochopod_leader_round_duration_seconds_bucket{le=\"60\"} 2")) << text;
  EXPECT_TRUE(has_line(text, "ochopod_leader_round_duration_seconds_bucket{le=\"+Inf\"} 3"))
      << text;
  EXPECT_TRUE(has_line(text, "ochopod_leader_round_duration_seconds_count 3")) << text;
  EXPECT_TRUE(has_line(text, "ochopod_leader_round_duration_seconds_sum 103.02")) << text;
}

TEST(Metrics, ZooKeeperStateIsOneOfFourOrNone) {
  Metrics m;
  std::string text = m.render(Hints());
  for (const char* s : {"connecting", "connected", "suspended", "lost"}) {
    EXPECT_TRUE(
        has_line(text, std::string("ochopod_zookeeper_connection_state{state=\"") + s + "\"} 0"))
        << text;
  }
  m.zk_state(Metrics::Zk::kSuspended);
  m.zk_reconnected();
  m.zk_expired();
  m.zk_expired();
  text = m.render(Hints());
  EXPECT_TRUE(has_line(text, "ochopod_zookeeper_connection_state{state=\"suspended\"} 1")) << text;
  EXPECT_TRUE(has_line(text, "ochopod_zookeeper_connection_state{state=\"connected\"} 0")) << text;
  EXPECT_TRUE(has_line(text, "ochopod_zookeeper_reconnects_total 1")) << text;
  EXPECT_TRUE(has_line(text, "ochopod_zookeeper_session_expiries_total 2")) << text;
}

TEST(Metrics, ControlRequestsByTaskAndCode) {
  Metrics m;
  m.control_answered("on", 200);
  m.control_answered("on", 200);
  m.control_answered("check", 406);
  const std::string text = m.render(Hints());
  EXPECT_TRUE(has_line(text, "ochopod_control_requests_total{task=\"on\",code=\"200\"} 2")) << text;
  EXPECT_TRUE(has_line(text, "ochopod_control_requests_total{task=\"check\",code=\"406\"} 1"))
      << text;
}

TEST(Metrics, EveryNumericUserMetricIsAGaugeWithItsNameEscaped) {
  Metrics m;
  Hints hints;
  hints.set_metrics(nlohmann::json{{"load", 1.5},
                                   {"queued", 12},
                                   {"name", "not a number"},
                                   {"up", true},
                                   {"nested", {{"x", 1}}},
                                   {"a \"quoted\\\" key\nhere", -2}});
  const std::string text = m.render(hints);
  EXPECT_TRUE(has_line(text, "ochopod_user_metric{name=\"load\"} 1.5")) << text;
  EXPECT_TRUE(has_line(text, "ochopod_user_metric{name=\"queued\"} 12")) << text;
  EXPECT_TRUE(has_line(text, "ochopod_user_metric{name=\"a \\\"quoted\\\\\\\" key\\nhere\"} -2"))
      << text;
  EXPECT_EQ(text.find("name=\"name\""), std::string::npos) << text;
  EXPECT_EQ(text.find("name=\"up\""), std::string::npos) << text;
  EXPECT_EQ(text.find("name=\"nested\""), std::string::npos) << text;
}

TEST(Metrics, EveryFamilyHasHelpAndTypeOnce) {
  Metrics m;
  m.control_answered("on", 200);
  const std::string text = m.render(Hints());
  for (const char* name :
       {"ochopod_build_info", "ochopod_child_state", "ochopod_child_starts_total",
        "ochopod_child_restarts_total", "ochopod_child_uptime_seconds",
        "ochopod_sanity_checks_total", "ochopod_sanity_check_failures_total",
        "ochopod_liveness_failures_total", "ochopod_leader_rounds_total",
        "ochopod_leader_round_duration_seconds", "ochopod_pods_seen",
        "ochopod_zookeeper_connection_state", "ochopod_zookeeper_reconnects_total",
        "ochopod_zookeeper_session_expiries_total", "ochopod_control_requests_total",
        "ochopod_user_metric"}) {
    const std::string help = std::string("# HELP ") + name + " ";
    const std::string type = std::string("# TYPE ") + name + " ";
    const auto first = text.find(help);
    ASSERT_NE(first, std::string::npos) << name;
    EXPECT_EQ(text.find(help, first + 1), std::string::npos) << name;
    EXPECT_NE(text.find(type), std::string::npos) << name;
  }
}

TEST(Metrics, TheChildStateIsTheHintsTypedProcessState) {
  Metrics m;
  Hints hints;
  for (const ProcessState process : kProcessStates) {
    hints.set_process(process);
    const std::string text = m.render(hints);
    for (const ProcessState other : kProcessStates) {
      const std::string line = "ochopod_child_state{state=\"" + std::string(to_string(other)) +
                               "\"} " + (other == process ? "1" : "0");
      EXPECT_TRUE(has_line(text, line)) << line << "\n" << text;
    }
  }
}

// Families in a fixed order, each its HELP and TYPE lines then only its own
// samples; the last exit code only once a child ended.
TEST(Metrics, EachFamilyIsItsHeaderThenItsSamplesInAFixedOrder) {
  const auto families_of = [](const std::string& text) {
    std::vector<std::string> names;
    std::istringstream lines(text);
    std::string family;
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind("# HELP ", 0) == 0) {
        family = line.substr(7, line.find(' ', 7) - 7);
        names.push_back(family);
        continue;
      }
      if (line.rfind("# TYPE ", 0) == 0) {
        EXPECT_EQ(line.substr(7, line.find(' ', 7) - 7), family) << line;
        continue;
      }
      EXPECT_EQ(line.rfind(family, 0), 0u) << line << " is not of " << family;
      const char after = line[family.size()];
      EXPECT_TRUE(after == ' ' || after == '{' || after == '_') << line;
    }
    return names;
  };
  std::vector<std::string> expected = {"ochopod_build_info",
                                       "ochopod_child_state",
                                       "ochopod_child_starts_total",
                                       "ochopod_child_restarts_total",
                                       "ochopod_child_uptime_seconds",
                                       "ochopod_sanity_checks_total",
                                       "ochopod_sanity_check_failures_total",
                                       "ochopod_liveness_failures_total",
                                       "ochopod_leader_rounds_total",
                                       "ochopod_leader_round_duration_seconds",
                                       "ochopod_pods_seen",
                                       "ochopod_zookeeper_connection_state",
                                       "ochopod_zookeeper_reconnects_total",
                                       "ochopod_zookeeper_session_expiries_total",
                                       "ochopod_control_requests_total",
                                       "ochopod_user_metric"};
  Metrics m;
  EXPECT_EQ(families_of(m.render(Hints())), expected);
  m.child_exited(W_EXITCODE(1, 0));
  m.control_answered("ok", 200);
  expected.insert(expected.begin() + 4, "ochopod_child_last_exit_code");
  EXPECT_EQ(families_of(m.render(Hints())), expected);
}

TEST(Metrics, LivenessFailures) {
  Metrics m;
  EXPECT_TRUE(has_line(m.render(Hints()), "ochopod_liveness_failures_total 0"));
  m.liveness_failed();
  m.liveness_failed();
  EXPECT_TRUE(has_line(m.render(Hints()), "ochopod_liveness_failures_total 2"));
}

// Jobs by name, escaped; each family only once a job of its kind is
// declared, the last exit code and duration only once a run ended; and they
// come after the liveness failures, each under its own header.
TEST(Metrics, JobsAndPeriodicJobsByName) {
  Metrics m;
  std::string text = m.render(Hints());
  EXPECT_EQ(text.find("ochopod_job_"), std::string::npos) << text;
  EXPECT_EQ(text.find("ochopod_periodic_"), std::string::npos) << text;

  m.job_declared("shipper");
  m.job_declared("a\"b");
  m.job_up("shipper", true);
  m.job_restarted("shipper");
  m.job_restarted("shipper");
  m.periodic_declared("backup");
  text = m.render(Hints());
  EXPECT_TRUE(has_line(text, "ochopod_job_up{job=\"shipper\"} 1")) << text;
  EXPECT_TRUE(has_line(text, "ochopod_job_up{job=\"a\\\"b\"} 0")) << text;
  EXPECT_TRUE(has_line(text, "ochopod_job_restarts_total{job=\"shipper\"} 2")) << text;
  EXPECT_TRUE(has_line(text, "ochopod_periodic_runs_total{job=\"backup\"} 0")) << text;
  EXPECT_TRUE(has_line(text, "ochopod_periodic_timeouts_total{job=\"backup\"} 0")) << text;
  EXPECT_EQ(text.find("ochopod_periodic_last_exit_code"), std::string::npos) << text;
  EXPECT_EQ(text.find("ochopod_periodic_last_duration_seconds"), std::string::npos) << text;

  m.periodic_ran("backup", 137, 2.5s, true);
  m.periodic_ran("backup", 0, 1.25s, false);
  m.job_up("shipper", false);
  text = m.render(Hints());
  EXPECT_TRUE(has_line(text, "ochopod_job_up{job=\"shipper\"} 0")) << text;
  EXPECT_TRUE(has_line(text, "ochopod_periodic_runs_total{job=\"backup\"} 2")) << text;
  EXPECT_TRUE(has_line(text, "ochopod_periodic_timeouts_total{job=\"backup\"} 1")) << text;
  EXPECT_TRUE(has_line(text, "ochopod_periodic_last_exit_code{job=\"backup\"} 0")) << text;
  EXPECT_TRUE(has_line(text, "ochopod_periodic_last_duration_seconds{job=\"backup\"} 1.250"))
      << text;
  const auto after = [&](const char* first, const char* second) {
    return text.find(std::string("# HELP ") + first) < text.find(std::string("# HELP ") + second);
  };
  EXPECT_TRUE(after("ochopod_liveness_failures_total", "ochopod_job_up"));
  EXPECT_TRUE(after("ochopod_job_up", "ochopod_job_restarts_total"));
  EXPECT_TRUE(after("ochopod_job_restarts_total", "ochopod_periodic_runs_total"));
  EXPECT_TRUE(has_line(text, "# TYPE ochopod_job_up gauge")) << text;
  EXPECT_TRUE(has_line(text, "# TYPE ochopod_periodic_runs_total counter")) << text;
}

TEST(Metrics, LabelEscaping) {
  EXPECT_EQ(prometheus_label("plain"), "plain");
  EXPECT_EQ(prometheus_label("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
}

}  // namespace
}  // namespace ochopod
