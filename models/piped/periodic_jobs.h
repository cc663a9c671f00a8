// PeriodicJobs: a Piped pod's periodic jobs (ochopod/piped.h,
// Piped::periodic; docs/lifecycle.md, "Jobs"): a command run every period
// while the child is supervised.
//
// The schedule: start() arms each job, whose first run comes one period
// later (not at once: the child it serves has just been started). Each next
// run starts at max(last start + every, last end): never two runs of one job
// at once, and a run longer than its period is not killed for that, it only
// delays the next one. A run still going at its timeout (PeriodicJob::timeout,
// zero: ten periods) is SIGKILLed with its whole group; so is what a run
// that ended left in its group. stop() disarms the jobs and SIGKILLs the
// runs in flight.
//
// PipedController owns one and calls it on the lifecycle thread: start()
// when it starts supervising the child, stop() when it stops (it blocks the
// loop briefly, at most kStopWait, for the killed runs' exits). No thread
// per job: a run is a process started through the ChildHost, whose exit
// comes on another thread (the Reaper's) and is only recorded there and
// posted to the loop, as ChildProcess does; periods and timeouts are timers
// of the loop. What it shows: Hints::set_periodic() (name -> state, pid,
// runs, last exit code and duration) at each change, and the
// ochopod_periodic_* series of Metrics (runtime/pod/metrics.h).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "models/child/spawn.h"
#include "models/piped/child_host.h"
#include "models/piped/scoped_scheduler.h"
#include "ochopod/piped.h"
#include "runtime/base/scheduler.h"
#include "runtime/pod/hints.h"
#include "runtime/pod/metrics.h"

namespace ochopod::detail {

struct PeriodicStatus {
  std::string name;
  bool running = false;
  pid_t pid = 0;  // of the run in flight; 0 if none
  int runs = 0;   // runs that ended (killed ones included)
  int timeouts = 0;
  std::optional<int> last_exit_code;  // 128+n for a signal n; none before a run ended
  double last_duration = 0;           // seconds
};

class PeriodicJobs {
 public:
  using Clock = Scheduler::Clock;

  // A period (or a timeout) below this is taken as this: a zero must not
  // turn the loop into a busy one.
  static constexpr Clock::duration kMinEvery = std::chrono::milliseconds(10);
  // How long stop() waits for the runs it killed to be gone.
  static constexpr Clock::duration kStopWait = std::chrono::seconds(2);
  // How often that wait looks at the groups (they have no event to wait for).
  static constexpr Clock::duration kGroupPoll = std::chrono::milliseconds(10);

  struct Context {
    Scheduler& loop;             // the lifecycle thread: every call runs on it
    ChildHost& host;             // how the runs are started and killed
    Metrics* metrics = nullptr;  // the ochopod_periodic_* series; null: none
    Hints* hints = nullptr;      // the "periodic" view of /info; null: none
    // The process of a run; empty: default_request().
    std::function<SpawnRequest(const PeriodicJob&)> request;
  };

  // shell_job_request(job.command) (sidecars.h).
  static SpawnRequest default_request(const PeriodicJob& job);

  // loop, host, metrics and hints must outlive this object. Declares each
  // job to metrics and hints.
  PeriodicJobs(Context ctx, std::vector<PeriodicJob> jobs);
  // SIGKILLs the runs in flight (i.e. when stop() never ran), without
  // waiting. On the loop thread, or any thread once the loop stopped.
  ~PeriodicJobs();
  PeriodicJobs(const PeriodicJobs&) = delete;
  PeriodicJobs& operator=(const PeriodicJobs&) = delete;

  bool empty() const { return jobs_.empty(); }

  // Arms every job not armed yet: its first run one period from now.
  // Idempotent. A run that cannot be spawned is logged and tried again a
  // period later.
  void start();
  // Disarms every job and SIGKILLs its run in flight with its group, then
  // waits up to kStopWait for those runs' exits. Blocks the loop thread.
  void stop();

  // On the loop: each job, in declaration order.
  std::vector<PeriodicStatus> states() const;
  // The same as JSON: name -> {"state": "running"/"waiting"/"stopped",
  // "pid", "runs", "timeouts", "last_exit_code" (null before a run ended),
  // "last_duration"} (Hints::set_periodic).
  nlohmann::json view() const;

 private:
  struct Board;  // what the exits' callbacks share with us
  struct Entry;

  void run(Entry& entry);
  void on_run_exit(Entry& entry, pid_t pid);
  void on_timeout(Entry& entry);
  // SIGKILL to the run's group and to the run, unless its exit is in.
  void kill_run(Entry& entry);
  bool exited(pid_t pid) const;  // its exit is on the board, not taken in yet
  // The run ended with this wait status: counts it, cleans its group up.
  void record(Entry& entry, int wait_status);
  void arm(Entry& entry, Clock::duration delay);
  void publish();

  Context ctx_;
  ScopedScheduler loop_;  // first in, last out: the exits and timers post through it
  std::shared_ptr<Board> board_;
  std::vector<std::unique_ptr<Entry>> jobs_;  // fixed after the constructor
};

}  // namespace ochopod::detail
