#include "runtime/pod/metrics.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "runtime/base/wait_status.h"

#ifndef OCHOPOD_VERSION
#define OCHOPOD_VERSION "unknown"
#endif

namespace ochopod {

using nlohmann::json;

namespace {

constexpr std::array<std::string_view, 3> kRoundNames = {"ok", "failed", "cancelled"};
constexpr std::array<std::string_view, 4> kZkNames = {"connecting", "connected", "suspended",
                                                      "lost"};

int64_t steady_ns(Metrics::Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

// One line of a family: its name + suffix, labels (`{k="v"}` or none), value.
struct Sample {
  std::string_view suffix;
  std::string labels;
  std::string value;
};

// What the exposition says of one metric (Prometheus' text format 0.0.4).
struct Family {
  std::string_view name, type, help;
  std::vector<Sample> samples;
  bool optional = false;  // left out, its header lines too, while it has no sample
};

// `{key="value"}`, the value escaped.
std::string label(std::string_view key, std::string_view value) {
  return fmt::format("{{{}=\"{}\"}}", key, prometheus_label(value));
}

// A family's two header lines, then its samples.
void write(std::string& out, const Family& f) {
  if (f.optional && f.samples.empty()) return;
  out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", f.name, f.help, f.name, f.type);
  for (const Sample& s : f.samples)
    out += fmt::format("{}{}{} {}\n", f.name, s.suffix, s.labels, s.value);
}

// The one sample of a counter or gauge.
template <typename T>
std::vector<Sample> one(const std::atomic<T>& value) {
  return {{"", "", fmt::format("{}", value.load())}};
}
std::vector<Sample> one(int64_t value) { return {{"", "", fmt::format("{}", value)}}; }

// A sample value: integers as such, others in their shortest exact form.
std::string number(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  return fmt::format("{}", v);
}

// The round-duration histogram's buckets (cumulative), sum and count.
std::vector<Sample> round_histogram(
    const std::array<std::atomic<uint64_t>, Metrics::kRoundBuckets.size()>& buckets,
    const std::array<std::atomic<uint64_t>, 3>& rounds, uint64_t micros) {
  std::vector<Sample> samples;
  uint64_t cumulative = 0;
  for (size_t i = 0; i < Metrics::kRoundBuckets.size(); ++i) {
    cumulative += buckets[i].load();
    samples.push_back(
        {"_bucket", label("le", number(Metrics::kRoundBuckets[i])), fmt::format("{}", cumulative)});
  }
  uint64_t count = 0;
  for (const auto& r : rounds) count += r.load();
  // A round over the last bound is in +Inf only; read apart from the buckets,
  // count may run ahead of them, never behind.
  count = std::max(count, cumulative);
  samples.push_back({"_bucket", label("le", "+Inf"), fmt::format("{}", count)});
  samples.push_back({"_sum", "", number(static_cast<double>(micros) / 1e6)});
  samples.push_back({"_count", "", fmt::format("{}", count)});
  return samples;
}

// A job's entry, made on its first mention (the map is keyed by name).
template <typename Series>
Series& entry(std::map<std::string, Series, std::less<>>& map, std::string_view job) {
  auto it = map.find(job);
  if (it == map.end()) it = map.emplace(std::string(job), Series{}).first;
  return it->second;
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
  if (const auto code = shell_exit_code(status)) child_exit_code_ = *code;
}

void Metrics::child_stopped() { child_started_at_ = 0; }

void Metrics::check_ran(bool failed) {
  ++checks_;
  if (failed) ++check_failures_;
}

void Metrics::liveness_failed() { ++liveness_failures_; }

void Metrics::job_declared(std::string_view job) {
  std::lock_guard<std::mutex> lock(jobs_mu_);
  entry(jobs_, job);
}

void Metrics::job_up(std::string_view job, bool up) {
  std::lock_guard<std::mutex> lock(jobs_mu_);
  entry(jobs_, job).up = up;
}

void Metrics::job_restarted(std::string_view job) {
  std::lock_guard<std::mutex> lock(jobs_mu_);
  ++entry(jobs_, job).restarts;
}

void Metrics::periodic_declared(std::string_view job) {
  std::lock_guard<std::mutex> lock(jobs_mu_);
  entry(periodic_, job);
}

void Metrics::periodic_ran(std::string_view job, int exit_code, std::chrono::duration<double> took,
                           bool timed_out) {
  std::lock_guard<std::mutex> lock(jobs_mu_);
  PeriodicSeries& series = entry(periodic_, job);
  ++series.runs;
  if (timed_out) ++series.timeouts;
  series.last_exit_code = exit_code;
  series.last_duration = std::max(0.0, took.count());
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
  const ProcessState process = hints.process_state();
  std::vector<Sample> states;
  for (const ProcessState state : kProcessStates) {
    states.push_back({"", label("state", to_string(state)), state == process ? "1" : "0"});
  }
  const int64_t exit_code = child_exit_code_.load();
  const int64_t started = child_started_at_.load();
  const double uptime = started == 0 ? 0.0 : (steady_ns(Clock::now()) - started) / 1e9;
  std::vector<Sample> rounds;
  for (size_t i = 0; i < kRoundNames.size(); ++i) {
    rounds.push_back({"", label("outcome", kRoundNames[i]), fmt::format("{}", rounds_[i].load())});
  }
  // Zk::kNone is none of the family's states: all 0.
  const int zk = zk_state_.load();
  std::vector<Sample> zk_states;
  for (size_t i = 0; i < kZkNames.size(); ++i) {
    zk_states.push_back(
        {"", label("state", kZkNames[i]), zk == static_cast<int>(i) + 1 ? "1" : "0"});
  }
  std::vector<Sample> control;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [key, n] : control_) {
      control.push_back(
          {"", fmt::format("{{task=\"{}\",code=\"{}\"}}", prometheus_label(key.first), key.second),
           fmt::format("{}", n)});
    }
  }
  // Jobs, by name; a family per series, so each keeps its HELP and TYPE.
  std::vector<Sample> job_up, job_restarts, periodic_runs, periodic_exit, periodic_duration,
      periodic_timeouts;
  {
    std::lock_guard<std::mutex> lock(jobs_mu_);
    for (const auto& [name, series] : jobs_) {
      const std::string job = label("job", name);
      job_up.push_back({"", job, series.up ? "1" : "0"});
      job_restarts.push_back({"", job, fmt::format("{}", series.restarts)});
    }
    for (const auto& [name, series] : periodic_) {
      const std::string job = label("job", name);
      periodic_runs.push_back({"", job, fmt::format("{}", series.runs)});
      periodic_timeouts.push_back({"", job, fmt::format("{}", series.timeouts)});
      if (series.last_exit_code < 0) continue;  // no run ended yet: no last anything
      periodic_exit.push_back({"", job, fmt::format("{}", series.last_exit_code)});
      periodic_duration.push_back({"", job, fmt::format("{:.3f}", series.last_duration)});
    }
  }
  // Only numbers: a string or an object has no value to plot.
  const json metrics = hints.metrics();
  std::vector<Sample> user;
  if (metrics.is_object()) {
    for (const auto& [name, value] : metrics.items()) {
      if (value.is_number()) user.push_back({"", label("name", name), number(value.get<double>())});
    }
  }

  const Family families[] = {
      {"ochopod_build_info",
       "gauge",
       "The pod's ochopod version (always 1).",
       {{"", "{version=\"" OCHOPOD_VERSION "\"}", "1"}}},
      {"ochopod_child_state", "gauge",
       "1 for the child's current state (stopped, running, terminating, dead), 0 otherwise.",
       std::move(states)},
      {"ochopod_child_starts_total", "counter", "Child processes started.", one(child_starts_)},
      {"ochopod_child_restarts_total", "counter",
       "Child processes started again by the pod after the previous one failed.",
       one(child_restarts_)},
      {"ochopod_child_last_exit_code", "gauge",
       "Exit code of the last child that ended (128 + the signal if a signal ended it).",
       exit_code >= 0 ? one(exit_code) : std::vector<Sample>{}, /*optional=*/true},
      {"ochopod_child_uptime_seconds",
       "gauge",
       "Seconds the running child has run (0 when none runs).",
       {{"", "", fmt::format("{:.3f}", std::max(0.0, uptime))}}},
      {"ochopod_sanity_checks_total", "counter",
       "Sanity checks run (for ochopod run: --sanity and --health together).", one(checks_)},
      {"ochopod_sanity_check_failures_total", "counter",
       "Sanity checks that failed (or found the child failed since the last one).",
       one(check_failures_)},
      {"ochopod_liveness_failures_total", "counter",
       "Liveness checks (Piped::alive()) that failed.", one(liveness_failures_)},
      {"ochopod_job_up", "gauge", "1 while the job (a sidecar of the child) runs, 0 otherwise.",
       std::move(job_up), /*optional=*/true},
      {"ochopod_job_restarts_total", "counter", "Times the job was started again after it ended.",
       std::move(job_restarts), /*optional=*/true},
      {"ochopod_periodic_runs_total", "counter", "Runs of the periodic job that ended.",
       std::move(periodic_runs), /*optional=*/true},
      {"ochopod_periodic_last_exit_code", "gauge",
       "Exit code of the periodic job's last run (128 + the signal if a signal ended it).",
       std::move(periodic_exit), /*optional=*/true},
      {"ochopod_periodic_last_duration_seconds", "gauge",
       "Seconds the periodic job's last run took.", std::move(periodic_duration),
       /*optional=*/true},
      {"ochopod_periodic_timeouts_total", "counter",
       "Runs of the periodic job killed at their timeout.", std::move(periodic_timeouts),
       /*optional=*/true},
      {"ochopod_leader_rounds_total", "counter",
       "Configuration rounds this pod ran as leader, by outcome.", std::move(rounds)},
      {"ochopod_leader_round_duration_seconds", "histogram",
       "Duration of the configuration rounds this pod ran as leader.",
       round_histogram(round_buckets_, rounds_, round_micros_.load())},
      {"ochopod_pods_seen", "gauge",
       "Pods of the cluster this pod sees registered while it leads (0 otherwise).",
       one(pods_seen_)},
      {"ochopod_zookeeper_connection_state", "gauge",
       "1 for the ZooKeeper session's state (connecting, connected, suspended, lost), 0 "
       "otherwise; all 0 for a pod without ZooKeeper.",
       std::move(zk_states)},
      {"ochopod_zookeeper_reconnects_total", "counter",
       "Times the ZooKeeper connection came back with the session kept.", one(zk_reconnects_)},
      {"ochopod_zookeeper_session_expiries_total", "counter",
       "ZooKeeper sessions lost: expired, or disconnected past their timeout.", one(zk_expiries_)},
      {"ochopod_control_requests_total", "counter",
       "/control requests answered, by task and HTTP status code.", std::move(control)},
      {"ochopod_user_metric", "gauge",
       "Each numeric value of the last sanity check's metrics object, by key.", std::move(user)},
  };
  std::string out;
  out.reserve(4096);
  for (const Family& f : families) write(out, f);
  return out;
}

}  // namespace ochopod
