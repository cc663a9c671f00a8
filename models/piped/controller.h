// PipedController: runs a Piped pod's control requests and supervises its
// child process (docs/lifecycle.md, rule by rule; codes from docs/protocol.md 5).
//
// The runtime's request queue calls handle() and shutdown() on the lifecycle
// loop (ctx.loop), one at a time; everything else this class does (child
// exits, restarts, sanity checks) is posted to that same loop, so its state
// needs no lock. Exits come from the Reaper on the signal thread and are only
// recorded and posted there. A stop waits on the loop thread for the child's
// whole process group (bounded by Piped::grace), which is why the Reaper's
// callback also wakes a condition variable rather than relying on a loop task;
// hurry() (the signal thread, at a second SIGTERM) wakes the same wait.
//
// What the user's callbacks throwing means, per request:
//   check -> 406 (can_configure refused); ok -> 500; signal -> 500;
//   on -> 406 and the pod shuts down as on kill (initialize, configure, spawn).
// After kill, an exit code 0 or a failed `on`, the pod is dead: every request
// answers 410.
//
// Replies that wait (handle_async, the RequestQueue's form): an `on` that
// leaves a child supervised answers once Piped::ready() passes (polled by a
// loop timer every 0.2 s; 408 at the request's deadline, the child kept);
// an `off` or `kill` with a child not Piped::drained() stops it once drained
// or after grace (polled the same way). The loop stays free meanwhile (child
// exits, signals, timers); the queue holds the next request until the reply.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "ochopod/lifecycle.h"
#include "ochopod/piped.h"
#include "runtime/base/event_loop.h"
#include "runtime/control/request.h"
#include "runtime/pod/hints.h"
#include "runtime/pod/metrics.h"
#include "runtime/pod/pod.h"
#include "runtime/process/reaper.h"
#include "runtime/zk/presence.h"

namespace ochopod {

namespace detail {
class ClusterFile;
}

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

  // Safe from any thread; for /info-like views and tests.
  int children_started() const { return spawned_.load(); }
  int child_failures() const { return failures_.load(); }  // exits other than code 0
  pid_t child_pid() const { return pid_.load(); }          // 0 while no child runs
  const std::string& cluster_file() const;                 // the OCHOPOD_CLUSTER path

 private:
  struct Board;  // what the Reaper's callback and posted tasks share with us
  struct Child;  // the running child: pid, output reader

  ControlReply check(const ControlRequest& request);
  ControlReply on(const ControlRequest& request);
  ControlReply ok(const ControlRequest& request);
  ControlReply signal(const ControlRequest& request);

  void start_supervising();
  void spawn_child(bool restart = false);
  void stop_child(bool use_tear_down);
  // hurry_ends: a hurry() ends the wait early (false returned).
  bool wait_group_gone(pid_t pgid, std::chrono::steady_clock::time_point deadline,
                       bool hurry_ends = true);
  void finish_work(bool use_tear_down);
  void on_child_exit(pid_t pid);
  void schedule_restart();
  void restart_child();
  void arm_check();
  void run_check();
  void cancel_timers();
  void publish_stopped();
  // The reply that waits (at most one: the queue runs one request at a time).
  void poll_ready();
  void poll_drain();
  // An `off` or `kill` with a child: out of view, the leave delay, the drain.
  void on_withdrawn();
  void start_drain();
  void withdraw();
  // Readiness after a start nobody asked through `on` (a crash's restart).
  void poll_serving();
  void answer_waiting(int code);  // cancels the poll, answers, forgets it
  bool child_ready();
  bool child_drained();
  void drain_before_shutdown();  // blocking: nothing else runs after shutdown()
  EventLoop::TimerId post_after(std::chrono::steady_clock::duration delay,
                                void (PipedController::*member)());
  // The Cluster of a configuration payload; throws std::invalid_argument
  // (a readable message) for none or one of the wrong shape. A round's
  // check, on and ok share one Payload (the control port parses their equal
  // bodies once), so it is built once a round: at a thousand pods each build
  // copies the whole pods map.
  const Cluster& cluster_of(const Payload& payload);
  // After a round: gives the heap the round's parses freed back to the
  // system (glibc keeps it otherwise: at a thousand pods, megabytes a pod).
  void release_memory();

  Piped& lifecycle_;
  Context ctx_;
  std::shared_ptr<Board> board_;
  std::unique_ptr<detail::ClusterFile> cluster_file_;
  std::unique_ptr<Child> child_;

  std::optional<Configuration> config_;  // the last configure() result
  std::optional<nlohmann::json> last_dependencies_;
  Payload cluster_payload_;  // what cluster_ was built from; dropped after `ok`
  std::optional<Cluster> cluster_;
  bool dead_ = false;
  bool initialized_ = false;
  bool leader_started_ = false;  // a leader `on` came already (ochopod_start)
  bool supervising_ = false;     // a child should run: restarts and checks are on
  bool failed_since_check_ = false;
  int allowance_ = 0;  // checks left to fail in a row
  EventLoop::TimerId check_timer_ = 0;
  EventLoop::TimerId restart_timer_ = 0;
  std::chrono::steady_clock::time_point last_start_{};
  int quick_failures_ = 0;  // failures in a row, each within 10 s of its start

  struct Waiting {
    std::string task;  // on (readiness), off or kill (leave, delay, drain)
    std::chrono::steady_clock::time_point started, deadline;
    Done done;
    enum class Stage { kReady, kLeaving, kLingering, kDraining } stage = Stage::kReady;
  };
  std::optional<Waiting> waiting_;
  EventLoop::TimerId wait_timer_ = 0;
  EventLoop::TimerId trim_timer_ = 0;
  EventLoop::TimerId serving_timer_ = 0;
  std::chrono::steady_clock::duration serving_poll_{};
  std::chrono::steady_clock::time_point stop_deadline() const;  // the Board's, under its lock

  std::atomic<int> spawned_{0};
  std::atomic<int> failures_{0};
  std::atomic<pid_t> pid_{0};
};

// The Context of a pod's controller, from its services: boot() and
// `ochopod run` build theirs the same way.
PipedController::Context piped_context(PodServices& services);

}  // namespace ochopod
