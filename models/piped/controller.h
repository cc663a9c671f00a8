// PipedController: runs a Piped pod's control requests and supervises its
// child process by the rules of docs/lifecycle.md (codes from
// docs/protocol.md 5): dispatch, on, off, ok, check, signal, the sanity
// checks and when to restart. The mechanics are its parts': ChildProcess
// (starting and stopping the process, through a ChildHost), CrashLoop (the
// restart backoff), PendingReply (a reply that waits for ready() or a drain).
//
// The runtime's request queue calls handle() and shutdown() on the lifecycle
// loop (ctx.loop), one at a time; everything else this class does (child
// exits, restarts, sanity checks, polls) is posted to that same loop, so its
// state needs no lock, and it reads time only from that loop. A stop blocks
// the loop thread until the child's group is gone (child_process.h);
// hurry() and stop_by() come from other threads and only wake that wait.
//
// What the user's callbacks throwing means, per request:
//   check -> 406 (can_configure refused); ok -> 500; signal -> 500;
//   on -> 406 and the pod shuts down as on kill (initialize, configure, spawn).
// After kill, an exit code 0 or a failed `on`, the pod is dead: every request
// answers 410.
//
// Replies that wait (handle_async, the RequestQueue's form): an `on` that
// leaves a child supervised answers once Piped::ready() passes (408 at the
// request's deadline, the child kept); an `off` or `kill` with a child steps
// out of the dependents' view, waits the leave delay, then stops it once
// Piped::drained() or after grace. The loop stays free meanwhile (child
// exits, signals, timers); the queue holds the next request until the reply.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "models/piped/crash_loop.h"
#include "models/piped/pending_reply.h"
#include "models/piped/scoped_scheduler.h"
#include "ochopod/lifecycle.h"
#include "ochopod/piped.h"
#include "runtime/base/retry_backoff.h"
#include "runtime/base/scheduler.h"
#include "runtime/control/request.h"
#include "runtime/pod/hints.h"
#include "runtime/pod/metrics.h"
#include "runtime/pod/pod.h"
#include "runtime/process/reaper.h"
#include "runtime/zk/presence.h"

namespace ochopod {

namespace detail {
class ChildHost;
class ChildProcess;
class ClusterFile;
class PeriodicJobs;
class Sidecars;
}  // namespace detail

class PipedController : public Controller {
 public:
  struct Context {
    Scheduler& loop;    // the lifecycle thread: handle() runs on it, so does all supervision
    Hints& hints;       // this class writes `process` and `metrics`
    Reaper& reaper;     // the child's exit status comes from here
    bool start = true;  // ochopod_start: false skips the first leader-driven start
    // Path of the OCHOPOD_CLUSTER file; empty: a file in a private temp dir,
    // removed with the controller.
    std::string cluster_file;
    Metrics* metrics = nullptr;  // child starts, exits and checks are counted there
    // Where an `off` or `kill` steps out of the dependents' view before the
    // child stops (null: nowhere), how long it waits for that, and how long
    // it keeps serving once out (docs/lifecycle.md, "Stopping it").
    Presence* presence = nullptr;
    std::chrono::milliseconds withdraw_limit{5000};
    std::chrono::milliseconds leave_delay{0};
    // How the child is started and signalled (child_host.h); null: the real
    // processes, their exits through `reaper`. Must outlive the controller.
    detail::ChildHost* host = nullptr;
    // Ends the pod (PodServices::end_pod) when the exit policy says its
    // work is over; null: the pod stays up, dead.
    std::function<void()> end_pod = {};
  };

  // lifecycle, the loop, the hints and the reaper must outlive this object.
  PipedController(Piped& lifecycle, Context ctx);
  // Kills (SIGKILL) a child still running, i.e. when shutdown() never ran.
  ~PipedController() override;
  PipedController(const PipedController&) = delete;
  PipedController& operator=(const PipedController&) = delete;

  ControlReply handle(const ControlRequest& request) override;
  void handle_async(const ControlRequest& request, Done done) override;
  void shutdown(std::chrono::steady_clock::time_point deadline) override;
  void forward_signal(int signo) override;
  void hurry() override;
  void stop_by(std::chrono::steady_clock::time_point deadline) override;
  int exit_code() const override { return exit_code_.load(); }

  // Safe from any thread; for /info-like views and tests.
  int children_started() const;
  int child_failures() const { return failures_.load(); }  // exits other than code 0
  pid_t child_pid() const;                                 // 0 while no child runs
  const std::string& cluster_file() const;                 // the OCHOPOD_CLUSTER path

 private:
  using Clock = Scheduler::Clock;
  using Stage = detail::PendingReply::Stage;

  ControlReply check(const ControlRequest& request);
  ControlReply on(const ControlRequest& request);
  ControlReply ok(const ControlRequest& request);
  ControlReply signal(const ControlRequest& request);

  void start_supervising();
  void spawn_child(bool restart = false);
  void stop_child(bool use_tear_down);
  void finish_work(bool use_tear_down);
  void on_child_exit(pid_t pid, int wait_status);
  // The exit policy once the child failed and was collected: a restart
  // after delay if one is left, else down for good (and the pod ended).
  void after_failure(int wait_status, Clock::duration delay);
  bool restart_left() const;
  // The pod's work is over: dead, and with exit_with_child the pod exits
  // with code (none: 0, or 137 when the stop had to SIGKILL the child).
  void end_work(std::optional<int> code, bool use_tear_down);
  void spawn_when_jobs_ready();
  void check_liveness();
  void schedule_restart(Clock::duration delay);
  void restart_child();
  void arm_check();
  void run_check();
  void cancel_timers();
  void publish_stopped();
  // The reply that waits: an `on` for readiness; an `off` or `kill` with a
  // child out of view, the leave delay, the drain.
  void poll_ready();
  void on_withdrawn();
  void start_drain();
  void withdraw();
  // Readiness after a start nobody asked through `on` (a crash's restart).
  void poll_serving();
  bool child_ready();
  bool child_drained();
  void drain_before_shutdown();  // blocking: nothing else runs after shutdown()
  Scheduler::TimerId post_after(Clock::duration delay, void (PipedController::*member)());
  // The Cluster of a configuration payload; throws std::invalid_argument
  // (a readable message) for none or one of the wrong shape. A round's
  // check, on and ok share one Payload (the control port parses their equal
  // bodies once), so it is built once a round: each build copies the whole
  // pods map.
  const Cluster& cluster_of(const Payload& payload);
  // 500 ms after the first round, then 5 s after the last of a run of
  // rounds: gives the heap the rounds' parses freed back to the system
  // (glibc keeps it otherwise: megabytes a pod in a large cluster). The
  // first time, the boot's code too (runtime/process/code_pages.h).
  void release_memory();

  Piped& lifecycle_;
  Context ctx_;
  detail::ScopedScheduler loop_;  // first in, last out: the parts below post through it
  std::unique_ptr<detail::ChildHost> own_host_;  // the real one, when ctx.host is null
  std::unique_ptr<detail::ClusterFile> cluster_file_;
  std::unique_ptr<detail::ChildProcess> child_;
  detail::CrashLoop crash_loop_;
  detail::PendingReply pending_{loop_};

  std::unique_ptr<detail::Sidecars> sidecars_;      // null without jobs
  std::unique_ptr<detail::PeriodicJobs> periodic_;  // null without periodic jobs

  std::optional<Configuration> config_;  // the last configure() result
  std::optional<nlohmann::json> last_dependencies_;
  Payload cluster_payload_;  // what cluster_ was built from; dropped after `ok`
  std::optional<Cluster> cluster_;
  bool dead_ = false;
  bool initialized_ = false;
  bool code_released_ = false;   // release_code_pages() ran, after the first round
  bool leader_started_ = false;  // a leader `on` came already (ochopod_start)
  bool supervising_ = false;     // a child should run: restarts and checks are on
  bool failed_since_check_ = false;
  int allowance_ = 0;              // checks left to fail in a row
  int liveness_allowance_ = 0;     // liveness checks left to fail in a row
  int restarts_ = 0;               // restarts of failed children since the supervision started
  bool waiting_for_jobs_ = false;  // the child starts once the jobs are ready
  std::optional<int> last_stop_status_;  // of the last child stop_child() collected
  Scheduler::TimerId check_timer_ = 0;
  Scheduler::TimerId restart_timer_ = 0;
  Scheduler::TimerId trim_timer_ = 0;
  Scheduler::TimerId serving_timer_ = 0;
  Scheduler::TimerId jobs_timer_ = 0;
  RetryBackoff serving_poll_{std::chrono::milliseconds(200), std::chrono::seconds(5)};
  Clock::time_point last_start_{};

  std::atomic<int> failures_{0};
  std::atomic<int> exit_code_{0};
};

// The Context of a pod's controller, from its services: boot() and
// `ochopod run` build theirs the same way.
PipedController::Context piped_context(PodServices& services);

}  // namespace ochopod
