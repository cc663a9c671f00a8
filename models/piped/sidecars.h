// Sidecars: a Piped pod's jobs (ochopod/piped.h, Piped::jobs;
// docs/lifecycle.md, "Jobs"): long-running processes started before the
// child, restarted with the crash-loop backoff when they end, stopped after
// it, in reverse declaration order.
//
// PipedController owns one and calls it on the lifecycle thread, as it does
// its ChildProcess: start() before the child's start, ready() polled until it
// passes, stop() after the child's stop (it blocks the loop, one job after
// the other), kill() when the pod is torn down without a stop. Each job is a
// ChildProcess of its own, so a stop keeps the same rules as the child's
// (signal, grace, SIGKILL, the pod's stop budget, hurry). Event-driven: a
// job's exit comes from the ChildHost on another thread and reaches us as a
// task on the loop; a restart after a backoff is a timer. hurry() and
// stop_by() come from other threads and only wake a stop's wait.
//
// A job that ended is restarted after its crash-loop backoff (CrashLoop: the
// first failure of a streak at once), what it left in its group SIGKILLed
// first. What it shows: a view of the jobs (name -> state, pid, restarts) written
// to Hints::set_jobs() at each change, and the ochopod_job_* series of
// Metrics (runtime/pod/metrics.h).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "models/child/spawn.h"
#include "models/piped/child_host.h"
#include "models/piped/scoped_scheduler.h"
#include "ochopod/piped.h"
#include "runtime/base/scheduler.h"
#include "runtime/pod/hints.h"
#include "runtime/pod/metrics.h"

namespace ochopod::detail {

// A readiness check in the forms of `ochopod run --ready` and Job::ready:
// `http://...` or `tcp:...` (health_check()), or `cmd:<command>` exiting 0
// in time (run_shell_command()). nullopt when it passes, else why not.
// Blocks its caller up to about timeout.
std::optional<std::string> run_ready_check(const std::string& spec,
                                           std::chrono::duration<double> timeout);

// How a job's process (a sidecar's, or a periodic job's run) starts by
// default: {"/bin/sh", "-c", command}, stdin from /dev/null, output inherited.
SpawnRequest shell_job_request(const std::string& command);

// Where a job is: running, waiting out its restart backoff, or stopped
// (never started, or stopped by stop()/kill()).
enum class JobState { kStopped, kRunning, kBackoff };
std::string_view to_string(JobState state);

struct JobStatus {
  std::string name;
  JobState state = JobState::kStopped;
  pid_t pid = 0;     // 0 unless running
  int restarts = 0;  // starts after the job ended on its own, over the pod's life
};

class Sidecars {
 public:
  using Clock = Scheduler::Clock;

  // How long ready() gives each job's check.
  static constexpr std::chrono::duration<double> kReadyCheckTimeout{1.0};
  // The wait before another try when a job cannot even be spawned (a bad
  // identity or cwd): at least this, so that it never spins.
  static constexpr Clock::duration kSpawnRetry = std::chrono::seconds(1);

  struct Context {
    Scheduler& loop;  // the lifecycle thread: every call but hurry()/stop_by() runs on it
    ChildHost& host;  // how the jobs are started and signalled
    Metrics* metrics = nullptr;  // the ochopod_job_* series; null: none
    Hints* hints = nullptr;      // the "jobs" view of /info; null: none
    // The process of a job; empty: default_request().
    std::function<SpawnRequest(const Job&)> request;
    // The crash-loop backoff's cap (Piped::restart_backoff).
    std::chrono::duration<double> restart_backoff{10.0};
  };

  // shell_job_request(job.command).
  static SpawnRequest default_request(const Job& job);

  // loop, host, metrics and hints must outlive this object. Declares each
  // job to metrics and hints (stopped), so /info and /metrics show them
  // before they start.
  Sidecars(Context ctx, std::vector<Job> jobs);
  // SIGKILLs the jobs still running (i.e. when stop() never ran). On the
  // loop thread, or any thread once the loop stopped.
  ~Sidecars();
  Sidecars(const Sidecars&) = delete;
  Sidecars& operator=(const Sidecars&) = delete;

  bool empty() const { return jobs_.empty(); }

  // Starts every job not supervised yet, in declaration order; a job that
  // cannot be spawned is retried after kSpawnRetry. Idempotent.
  void start();

  // Whether every job with a Job::ready check passed it since its latest
  // start (a restart asks it again); a job without one is ready once
  // started. Runs the checks of the running, not yet ready jobs, in
  // declaration order, up to the first that fails (kReadyCheckTimeout each),
  // so one call blocks the loop about a second at most.
  bool ready();

  // Stops every job, last declared first: its stop_signal to its group,
  // then up to its grace (and the pod's stop budget) for the group to go,
  // then SIGKILL. Blocks the loop thread. No restart follows; start() starts
  // them again.
  void stop();

  // SIGKILL to every job's group, now, without waiting; no restart follows.
  void kill();

  // Any thread: forwarded to each job's ChildProcess (see child_process.h).
  void hurry();
  void stop_by(Clock::time_point deadline);

  // On the loop: each job, in declaration order.
  std::vector<JobStatus> states() const;
  // The same as JSON: name -> {"state", "pid", "restarts"} (Hints::set_jobs).
  nlohmann::json view() const;

 private:
  struct Entry;

  void spawn(Entry& entry);
  void on_exit(Entry& entry, pid_t pid, int wait_status);
  // after_exit: a restart of a job that ended (counted), not a retried spawn.
  void restart(Entry& entry, bool after_exit);
  // Stops the job's process if it runs: stopping (stop()), with its signal
  // and grace, logged; else (it ended) SIGKILL to what is left of its group.
  void stop_one(Entry& entry, bool stopping);
  void cancel_restart(Entry& entry);
  void publish();

  Context ctx_;
  ScopedScheduler loop_;  // first in, last out: the entries' processes post through it
  std::vector<std::unique_ptr<Entry>> jobs_;  // fixed after the constructor
};

}  // namespace ochopod::detail
