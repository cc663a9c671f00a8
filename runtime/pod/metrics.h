// Metrics: the pod's Prometheus counters and gauges, and their text
// exposition (format 0.0.4) that GET /metrics serves (docs/protocol.md,
// "What this implementation adds").
//
// One registry per pod, owned by run_pod() and handed to the parts that
// count: the lifecycle thread (child starts, exits, checks), the leader's
// worker and the coordinator (rounds, pods seen), the coordinator
// (ZooKeeper connection), the control port's I/O thread (requests answered).
// Every value a foreign thread writes is an atomic, so no writer ever waits
// for a reader; render() runs on the I/O thread and only reads them, plus the
// hints (`process`, `metrics`) under their own short lock. The one map
// (control requests by task and code) is written and read on the I/O thread
// only, under a mutex that guards against tests and future callers.
//
// Jobs (ochopod/piped.h, Piped::jobs and Piped::periodic) are counted by
// name: the lifecycle thread writes them (Sidecars, PeriodicJobs in
// models/piped/), render() reads them, both under jobs_mu_. Their series:
//   ochopod_job_up{job}                            gauge: 1 while the job runs
//   ochopod_job_restarts_total{job}                counter: starts after it ended
//   ochopod_periodic_runs_total{job}               counter: runs ended
//   ochopod_periodic_last_exit_code{job}           gauge: 128+n for a signal n
//   ochopod_periodic_last_duration_seconds{job}    gauge
//   ochopod_periodic_timeouts_total{job}           counter: runs killed at their timeout
// each family left out while no job of its kind is declared; and, always,
//   ochopod_liveness_failures_total                counter: failed alive() calls
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

#include "runtime/pod/hints.h"

namespace ochopod {

class Metrics {
 public:
  using Clock = std::chrono::steady_clock;

  enum class Round { kOk, kFailed, kCancelled };
  enum class Zk { kNone, kConnecting, kConnected, kSuspended, kLost };

  // Upper bounds (seconds) of the round-duration histogram, +Inf aside.
  static constexpr std::array<double, 11> kRoundBuckets = {0.01, 0.05, 0.1, 0.25, 0.5, 1,
                                                           2.5,  5,    10,  30,   60};

  // The lifecycle thread.
  void child_started(bool restart);
  void child_exited(int wait_status);  // the raw waitpid status
  void child_stopped();                // no child runs any more
  void check_ran(bool failed);
  void liveness_failed();  // Piped::alive() returned false or threw

  // The lifecycle thread: jobs, by name. A declared job shows with zeros
  // before it first runs.
  void job_declared(std::string_view job);
  void job_up(std::string_view job, bool up);
  void job_restarted(std::string_view job);
  void periodic_declared(std::string_view job);
  // A run ended: its exit code (128+n for a signal n), how long it took, and
  // whether its timeout killed it.
  void periodic_ran(std::string_view job, int exit_code, std::chrono::duration<double> took,
                    bool timed_out);

  // The leader's worker (rounds) and the coordinator (pods seen).
  void round_done(Round outcome, std::chrono::duration<double> took);
  void pods_seen(int64_t n);

  // The coordinator.
  void zk_state(Zk state);
  void zk_reconnected();
  void zk_expired();  // expired, or assumed so

  // The control port's I/O thread: a /control request answered.
  void control_answered(std::string_view task, int code);

  // The exposition, on the I/O thread: reads `process` and `metrics` off hints.
  std::string render(const Hints& hints) const;

 private:
  std::atomic<uint64_t> child_starts_{0}, child_restarts_{0};
  std::atomic<int64_t> child_exit_code_{-1};  // -1: no child has exited yet
  std::atomic<int64_t> child_started_at_{0};  // steady ns since epoch; 0: none runs
  std::atomic<uint64_t> checks_{0}, check_failures_{0};
  std::atomic<uint64_t> liveness_failures_{0};

  std::array<std::atomic<uint64_t>, 3> rounds_{};
  std::array<std::atomic<uint64_t>, kRoundBuckets.size()> round_buckets_{};  // not cumulative
  std::atomic<uint64_t> round_micros_{0};
  std::atomic<int64_t> pods_seen_{0};

  std::atomic<int> zk_state_{static_cast<int>(Zk::kNone)};
  std::atomic<uint64_t> zk_reconnects_{0}, zk_expiries_{0};

  mutable std::mutex mu_;
  std::map<std::pair<std::string, int>, uint64_t> control_;  // under mu_

  struct JobSeries {
    bool up = false;
    uint64_t restarts = 0;
  };
  struct PeriodicSeries {
    uint64_t runs = 0, timeouts = 0;
    int64_t last_exit_code = -1;  // -1: no run ended yet
    double last_duration = 0;
  };
  mutable std::mutex jobs_mu_;
  std::map<std::string, JobSeries, std::less<>> jobs_;           // under jobs_mu_
  std::map<std::string, PeriodicSeries, std::less<>> periodic_;  // under jobs_mu_
};

// A Prometheus label value with \, " and newlines escaped.
std::string prometheus_label(std::string_view value);

}  // namespace ochopod
