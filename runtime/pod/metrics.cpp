#include "runtime/pod/metrics.h"

#include <fmt/format.h>
#include <sys/wait.h>

#include <algorithm>
#include <cmath>

#ifndef OCHOPOD_VERSION
#define OCHOPOD_VERSION "unknown"
#endif

namespace ochopod {

using nlohmann::json;

namespace {

constexpr std::array<std::string_view, 3> kRoundNames = {"ok", "failed", "cancelled"};
constexpr std::array<std::string_view, 4> kZkNames = {"connecting", "connected", "suspended",
                                                      "lost"};
constexpr std::array<std::string_view, 4> kProcessNames = {"stopped", "running", "terminating",
                                                           "dead"};

int64_t steady_ns(Metrics::Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

// Both lines every family starts with.
void family(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

// A sample value: integers as such, others in their shortest exact form.
std::string number(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  return fmt::format("{}", v);
}

}  // namespace

std::string prometheus_label(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

void Metrics::child_started(bool restart) {
  ++child_starts_;
  if (restart) ++child_restarts_;
  child_started_at_ = steady_ns(Clock::now());
}

void Metrics::child_exited(int status) {
  // As shells say it: the code, or 128 + the signal that ended it.
  if (WIFEXITED(status)) {
    child_exit_code_ = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    child_exit_code_ = 128 + WTERMSIG(status);
  }
}

void Metrics::child_stopped() { child_started_at_ = 0; }

void Metrics::check_ran(bool failed) {
  ++checks_;
  if (failed) ++check_failures_;
}

void Metrics::round_done(Round outcome, std::chrono::duration<double> took) {
  ++rounds_[static_cast<size_t>(outcome)];
  const double seconds = took.count();
  for (size_t i = 0; i < kRoundBuckets.size(); ++i) {
    if (seconds <= kRoundBuckets[i]) {
      ++round_buckets_[i];
      break;
    }
  }
  round_micros_ += static_cast<uint64_t>(std::llround(std::max(0.0, seconds) * 1e6));
}

void Metrics::pods_seen(int64_t n) { pods_seen_ = n; }

void Metrics::zk_state(Zk state) { zk_state_ = static_cast<int>(state); }
void Metrics::zk_reconnected() { ++zk_reconnects_; }
void Metrics::zk_expired() { ++zk_expiries_; }

void Metrics::control_answered(std::string_view task, int code) {
  std::lock_guard<std::mutex> lock(mu_);
  ++control_[{std::string(task), code}];
}

std::string Metrics::render(const Hints& hints) const {
  std::string out;
  out.reserve(4096);
  family(out, "ochopod_build_info", "gauge", "The pod's ochopod version (always 1).");
  out += fmt::format("ochopod_build_info{{version=\"{}\"}} 1\n", OCHOPOD_VERSION);

  const std::string process = hints.process();
  family(out, "ochopod_child_state", "gauge",
         "1 for the child's current state (stopped, running, terminating, dead), 0 otherwise.");
  for (auto name : kProcessNames) {
    out += fmt::format("ochopod_child_state{{state=\"{}\"}} {}\n", name, process == name ? 1 : 0);
  }
  family(out, "ochopod_child_starts_total", "counter", "Child processes started.");
  out += fmt::format("ochopod_child_starts_total {}\n", child_starts_.load());
  family(out, "ochopod_child_restarts_total", "counter",
         "Child processes started again by the pod after the previous one failed.");
  out += fmt::format("ochopod_child_restarts_total {}\n", child_restarts_.load());
  if (const int64_t code = child_exit_code_.load(); code >= 0) {
    family(out, "ochopod_child_last_exit_code", "gauge",
           "Exit code of the last child that ended (128 + the signal if a signal ended it).");
    out += fmt::format("ochopod_child_last_exit_code {}\n", code);
  }
  family(out, "ochopod_child_uptime_seconds", "gauge",
         "Seconds the running child has run (0 when none runs).");
  const int64_t started = child_started_at_.load();
  const double uptime = started == 0 ? 0.0 : (steady_ns(Clock::now()) - started) / 1e9;
  out += fmt::format("ochopod_child_uptime_seconds {:.3f}\n", std::max(0.0, uptime));

  family(out, "ochopod_sanity_checks_total", "counter",
         "Sanity checks run (for ochopod run: --sanity and --health together).");
  out += fmt::format("ochopod_sanity_checks_total {}\n", checks_.load());
  family(out, "ochopod_sanity_check_failures_total", "counter",
         "Sanity checks that failed (or found the child failed since the last one).");
  out += fmt::format("ochopod_sanity_check_failures_total {}\n", check_failures_.load());

  family(out, "ochopod_leader_rounds_total", "counter",
         "Configuration rounds this pod ran as leader, by outcome.");
  for (size_t i = 0; i < kRoundNames.size(); ++i) {
    out += fmt::format("ochopod_leader_rounds_total{{outcome=\"{}\"}} {}\n", kRoundNames[i],
                       rounds_[i].load());
  }
  family(out, "ochopod_leader_round_duration_seconds", "histogram",
         "Duration of the configuration rounds this pod ran as leader.");
  uint64_t cumulative = 0;
  for (size_t i = 0; i < kRoundBuckets.size(); ++i) {
    cumulative += round_buckets_[i].load();
    out += fmt::format("ochopod_leader_round_duration_seconds_bucket{{le=\"{}\"}} {}\n",
                       number(kRoundBuckets[i]), cumulative);
  }
  uint64_t count = 0;
  for (const auto& r : rounds_) count += r.load();
  // A round over the last bound is in +Inf only; read apart from the buckets,
  // count may run ahead of them, never behind.
  count = std::max(count, cumulative);
  out += fmt::format("ochopod_leader_round_duration_seconds_bucket{{le=\"+Inf\"}} {}\n", count);
  out += fmt::format("ochopod_leader_round_duration_seconds_sum {}\n",
                     number(static_cast<double>(round_micros_.load()) / 1e6));
  out += fmt::format("ochopod_leader_round_duration_seconds_count {}\n", count);
  family(out, "ochopod_pods_seen", "gauge",
         "Pods of the cluster this pod sees registered while it leads (0 otherwise).");
  out += fmt::format("ochopod_pods_seen {}\n", pods_seen_.load());

  const int zk = zk_state_.load();
  family(out, "ochopod_zookeeper_connection_state", "gauge",
         "1 for the ZooKeeper session's state (connecting, connected, suspended, lost), 0 "
         "otherwise; all 0 for a pod without ZooKeeper.");
  for (size_t i = 0; i < kZkNames.size(); ++i) {
    out += fmt::format("ochopod_zookeeper_connection_state{{state=\"{}\"}} {}\n", kZkNames[i],
                       zk == static_cast<int>(i) + 1 ? 1 : 0);
  }
  family(out, "ochopod_zookeeper_reconnects_total", "counter",
         "Times the ZooKeeper connection came back with the session kept.");
  out += fmt::format("ochopod_zookeeper_reconnects_total {}\n", zk_reconnects_.load());
  family(out, "ochopod_zookeeper_session_expiries_total", "counter",
         "ZooKeeper sessions lost: expired, or disconnected past their timeout.");
  out += fmt::format("ochopod_zookeeper_session_expiries_total {}\n", zk_expiries_.load());

  family(out, "ochopod_control_requests_total", "counter",
         "/control requests answered, by task and HTTP status code.");
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [key, n] : control_) {
      out += fmt::format("ochopod_control_requests_total{{task=\"{}\",code=\"{}\"}} {}\n",
                         prometheus_label(key.first), key.second, n);
    }
  }

  // Only numbers: a string or an object has no value to plot.
  const json metrics = hints.metrics();
  family(out, "ochopod_user_metric", "gauge",
         "Each numeric value of the last sanity check's metrics object, by key.");
  if (metrics.is_object()) {
    for (const auto& [name, value] : metrics.items()) {
      if (!value.is_number()) continue;
      out += fmt::format("ochopod_user_metric{{name=\"{}\"}} {}\n", prometheus_label(name),
                         number(value.get<double>()));
    }
  }
  return out;
}

}  // namespace ochopod
