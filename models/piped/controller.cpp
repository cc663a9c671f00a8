#include "models/piped/controller.h"

#include <malloc.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>

#include "models/child/child_output.h"
#include "models/child/process_group.h"
#include "models/child/spawn.h"
#include "models/piped/cluster_file.h"
#include "models/piped/command_line.h"
#include "runtime/base/text.h"

namespace ochopod {

using nlohmann::json;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

// The crash-loop backoff: a failure within kQuickFailure of the start extends
// the streak; each restart after the first of a streak waits kFirstBackoff,
// doubled each time, up to Piped::restart_backoff.
constexpr auto kQuickFailure = 10s;
constexpr auto kFirstBackoff = 100ms;
// After SIGKILL the group should vanish at once; this only bounds a stuck stop.
constexpr auto kKillWait = 5s;
constexpr auto kGroupPoll = 10ms;
constexpr auto kMinCheckEvery = 10ms;
// How often a reply that waits polls Piped::ready() or Piped::drained().
constexpr auto kWaitPoll = 200ms;
// Readiness nobody waits for (after a restart): 0.2 s, doubling up to this.
constexpr auto kServingPollCap = 5s;

double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

std::string what(std::exception_ptr e) {
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    return ex.what();
  } catch (...) {
    return "unknown exception";
  }
}

ControlReply reply(int code, json body = json::object()) {
  return ControlReply{code, std::move(body)};
}

}  // namespace

// Shared with the Reaper's callback (signal thread) and with tasks posted to
// the loop, both of which may run after this controller is gone: they hold
// it weakly and check `owner` / `loop`.
struct PipedController::Board {
  std::mutex mu;
  std::condition_variable cv;  // a watched child exited, or hurry
  bool hurry = false;          // under mu: stops skip what is left of their grace
  // Under mu: the pod's stop budget, set from main as the stop starts, so a
  // stop already under way (an off, a restart) ends by it too.
  Clock::time_point stop_deadline = Clock::time_point::max();
  std::map<pid_t, int> exits;        // wait statuses not consumed yet
  Scheduler* loop = nullptr;         // under mu; null once the controller is gone
  PipedController* owner = nullptr;  // loop thread only
};

struct PipedController::Child {
  pid_t pid = 0;
  std::unique_ptr<detail::ChildOutput> output;  // pipe_subprocess only
};

PipedController::PipedController(Piped& lifecycle, Context ctx)
    : lifecycle_(lifecycle),
      ctx_(std::move(ctx)),
      board_(std::make_shared<Board>()),
      cluster_file_(std::make_unique<detail::ClusterFile>(ctx_.cluster_file)) {
  board_->loop = &ctx_.loop;
  board_->owner = this;
}

PipedController::~PipedController() {
  bool ran = false;
  auto cleanup = [&] {
    ran = true;
    board_->owner = nullptr;
    cancel_timers();
    answer_waiting(503);
    if (child_) {
      spdlog::warn("piped: controller destroyed with child pid {} running: SIGKILL", child_->pid);
      ::kill(-child_->pid, SIGKILL);
      ::kill(child_->pid, SIGKILL);
      child_.reset();
    }
  };
  ctx_.loop.run_sync(cleanup);
  if (!ran) cleanup();  // the loop had stopped: nothing of ours runs on it any more
  std::lock_guard<std::mutex> lock(board_->mu);
  board_->loop = nullptr;
}

PipedController::Context piped_context(PodServices& services) {
  PipedController::Context context{
      services.lifecycle_loop, services.hints, services.reaper, services.settings.start, "",
      &services.metrics};
  context.presence = &services.presence;
  context.withdraw_limit = services.settings.session_timeout;
  context.leave_delay = services.settings.leave_delay;
  return context;
}

const std::string& PipedController::cluster_file() const { return cluster_file_->path(); }

EventLoop::TimerId PipedController::post_after(Clock::duration delay,
                                               void (PipedController::*member)()) {
  return ctx_.loop.post_after(delay, [weak = std::weak_ptr<Board>(board_), member] {
    auto board = weak.lock();
    if (board && board->owner) (board->owner->*member)();
  });
}

ControlReply PipedController::handle(const ControlRequest& request) {
  static const std::set<std::string> tasks = {"check", "on", "off", "ok", "kill", "signal"};
  if (!tasks.count(request.task)) {
    spdlog::warn("piped: unknown task '{}'", request.task);
    return reply(400);
  }
  if (dead_) {
    spdlog::info("piped: {} refused: the pod is dead", request.task);
    return reply(410);
  }
  if (request.task == "check") return check(request);
  if (request.task == "on") return on(request);
  if (request.task == "ok") return ok(request);
  if (request.task == "signal") return signal(request);
  // A full_shutdown round's off comes with the leader's payload: the whole
  // cluster goes down and back in that round, published once after it.
  if ((request.task == "off" || request.task == "kill") && !request.from_leader()) withdraw();
  if (request.task == "off") {
    spdlog::info("piped: off");
    supervising_ = false;
    cancel_timers();
    stop_child(true);
    return reply(200);
  }
  spdlog::info("piped: kill");
  finish_work(true);
  return reply(200);
}

void PipedController::handle_async(const ControlRequest& request, Done done) {
  const std::string& task = request.task;
  if (dead_ || (task != "on" && task != "off" && task != "kill")) return done(handle(request));
  const auto now = Clock::now();
  if (task == "on") {
    ControlReply answer = on(request);
    if (answer.code != 200 || !supervising_) return done(std::move(answer));
    waiting_ = Waiting{task, now, request.deadline, std::move(done)};
    poll_ready();
    return;
  }
  if (!child_) return done(handle(request));
  // Out of the dependents' view first, serving meanwhile; then the leave
  // delay, the drain, the stop (docs/lifecycle.md, "Stopping it").
  supervising_ = false;
  cancel_timers();
  ctx_.hints.set_process("terminating");
  waiting_ =
      Waiting{task, now, Clock::time_point::max(), std::move(done), Waiting::Stage::kLeaving};
  if (request.from_leader()) return start_drain();  // full_shutdown: see handle()
  if (ctx_.presence == nullptr) return on_withdrawn();
  ctx_.hints.set_serving(false);
  // A leader that does not drop us (frozen, or one that ignores withdrawals)
  // must not cost the operator's request its answer: half its time at most.
  auto limit = std::chrono::duration_cast<Clock::duration>(ctx_.withdraw_limit);
  if (request.deadline != Clock::time_point::max()) {
    limit = std::max(Clock::duration::zero(), std::min(limit, (request.deadline - now) / 2));
  }
  auto* loop = &ctx_.loop;
  ctx_.presence->withdraw(std::chrono::duration_cast<std::chrono::milliseconds>(limit),
                          [loop, weak = std::weak_ptr<Board>(board_)](bool) {
                            loop->post([weak] {
                              auto board = weak.lock();
                              if (board && board->owner) board->owner->on_withdrawn();
                            });
                          });
}

void PipedController::withdraw() {
  ctx_.hints.set_serving(false);
  if (ctx_.presence != nullptr) ctx_.presence->withdraw(ctx_.withdraw_limit, [](bool) {});
}

void PipedController::on_withdrawn() {
  if (!waiting_ || waiting_->stage != Waiting::Stage::kLeaving) return;
  if (ctx_.leave_delay.count() <= 0) return start_drain();
  spdlog::info("piped: {}: out of view; serving {} ms more (leave delay)", waiting_->task,
               ctx_.leave_delay.count());
  waiting_->stage = Waiting::Stage::kLingering;
  wait_timer_ = post_after(ctx_.leave_delay, &PipedController::start_drain);
}

void PipedController::start_drain() {
  wait_timer_ = 0;
  if (!waiting_ || waiting_->stage == Waiting::Stage::kDraining) return;
  waiting_->stage = Waiting::Stage::kDraining;
  const auto now = Clock::now();
  waiting_->started = now;
  waiting_->deadline = now + std::chrono::duration_cast<Clock::duration>(lifecycle_.grace);
  if (child_ && !child_drained()) {
    spdlog::info("piped: {}: waiting for the child to drain (up to {} s) before stopping it",
                 waiting_->task, lifecycle_.grace.count());
  }
  poll_drain();
}

void PipedController::poll_ready() {
  wait_timer_ = 0;
  if (!waiting_) return;
  if (!supervising_) {
    spdlog::warn("piped: on: the child was stopped before it was ready");
    answer_waiting(dead_ ? 410 : 408);
    return;
  }
  const auto now = Clock::now();
  if (child_ready()) {
    if (now - waiting_->started >= kWaitPoll)
      spdlog::info("piped: on: the child is ready after {:.1f} s",
                   seconds(now - waiting_->started));
    if (child_) {
      // Serving: back in the dependents' view if an `off` took it out.
      ctx_.hints.set_serving(true);
      if (ctx_.presence != nullptr) ctx_.presence->rejoin();
    }
    answer_waiting(200);
    return;
  }
  if (now >= waiting_->deadline) {
    spdlog::warn(
        "piped: on: the child is not ready after {:.1f} s (the request's timeout): 408; "
        "it keeps running",
        seconds(now - waiting_->started));
    answer_waiting(408);
    return;
  }
  wait_timer_ = post_after(std::min<Clock::duration>(kWaitPoll, waiting_->deadline - now),
                           &PipedController::poll_ready);
}

void PipedController::poll_drain() {
  wait_timer_ = 0;
  if (!waiting_) return;
  const auto now = Clock::now();
  const bool drained = !child_ || child_drained();
  if (!drained && now < waiting_->deadline) {
    wait_timer_ = post_after(std::min<Clock::duration>(kWaitPoll, waiting_->deadline - now),
                             &PipedController::poll_drain);
    return;
  }
  const std::string task = waiting_->task;
  if (drained) {
    if (now - waiting_->started >= kWaitPoll)
      spdlog::info("piped: {}: drained after {:.1f} s", task, seconds(now - waiting_->started));
  } else {
    spdlog::warn("piped: {}: not drained after the {} s grace: stopping the child anyway", task,
                 lifecycle_.grace.count());
  }
  if (!dead_) {  // the child may have ended the pod's work meanwhile (exit code 0)
    if (task == "kill") {
      finish_work(true);
    } else {
      stop_child(true);
    }
  }
  answer_waiting(200);
}

void PipedController::answer_waiting(int code) {
  if (wait_timer_ != 0) ctx_.loop.cancel(wait_timer_);
  wait_timer_ = 0;
  if (!waiting_) return;
  Done done = std::move(waiting_->done);
  waiting_.reset();
  done(reply(code));
}

bool PipedController::child_ready() {
  try {
    return lifecycle_.ready(Process{child_ ? child_->pid : 0});
  } catch (...) {
    spdlog::debug("piped: ready() failed: {}", what(std::current_exception()));
    return false;
  }
}

bool PipedController::child_drained() {
  try {
    return lifecycle_.drained(Process{child_ ? child_->pid : 0});
  } catch (...) {
    spdlog::error("piped: drained() failed: {}; not waiting for a drain",
                  what(std::current_exception()));
    return true;
  }
}

void PipedController::drain_before_shutdown() {
  if (!child_ || child_drained()) return;
  spdlog::info("piped: waiting for the child to drain (up to {} s) before stopping it",
               lifecycle_.grace.count());
  ctx_.hints.set_process("terminating");
  const auto deadline =
      std::min(stop_deadline(),
               Clock::now() + std::chrono::duration_cast<Clock::duration>(lifecycle_.grace));
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(board_->mu);
      const auto now = Clock::now();
      if (board_->hurry || now >= deadline) break;
      board_->cv.wait_until(lock, std::min(deadline, now + kWaitPoll),
                            [&] { return board_->hurry; });
    }
    if (child_drained()) {
      spdlog::info("piped: drained");
      return;
    }
  }
  spdlog::warn("piped: not drained (grace over or asked again to stop): stopping the child anyway");
}

void PipedController::shutdown(Clock::time_point deadline) {
  stop_by(deadline);
  ctx_.hints.set_serving(false);
  if (waiting_) {
    spdlog::warn("piped: {} still waiting when the pod stops: 503", waiting_->task);
    answer_waiting(503);
  }
  if (dead_) return;
  spdlog::info("piped: shutting down");
  drain_before_shutdown();
  finish_work(true);
}

void PipedController::forward_signal(int signo) {
  if (!child_) {
    spdlog::info("piped: signal {} ({}) received; no child to forward it to", signo,
                 strsignal(signo));
    return;
  }
  spdlog::info("piped: forwarding signal {} ({}) to the child's group {}", signo, strsignal(signo),
               child_->pid);
  if (::kill(-child_->pid, signo) != 0) {
    spdlog::warn("piped: cannot forward signal {} to group {}: {}", signo, child_->pid,
                 std::strerror(errno));
  }
}

void PipedController::stop_by(Clock::time_point deadline) {
  std::lock_guard<std::mutex> lock(board_->mu);
  board_->stop_deadline = deadline;
  board_->cv.notify_all();
}

Clock::time_point PipedController::stop_deadline() const {
  std::lock_guard<std::mutex> lock(board_->mu);
  return board_->stop_deadline;
}

void PipedController::hurry() {
  std::lock_guard<std::mutex> lock(board_->mu);
  board_->hurry = true;
  board_->cv.notify_all();
}

ControlReply PipedController::check(const ControlRequest& request) {
  if (!request.body) {
    spdlog::warn("piped: check without a configuration payload");
    return reply(406);
  }
  try {
    lifecycle_.can_configure(cluster_of(request.body));
    return reply(200);
  } catch (...) {
    spdlog::warn("piped: check refused: {}", what(std::current_exception()));
    return reply(406);
  }
}

ControlReply PipedController::ok(const ControlRequest& request) {
  const Cluster* cluster = nullptr;
  try {
    cluster = &cluster_of(request.body);
  } catch (const std::exception& e) {
    spdlog::warn("piped: ok without a usable configuration payload: {}", e.what());
    return reply(406);
  }
  ControlReply answer = reply(200);
  try {
    lifecycle_.configured(*cluster);
  } catch (...) {
    spdlog::error("piped: configured() failed: {}", what(std::current_exception()));
    answer = reply(500);
  }
  // The round is over: an idle pod keeps no copy of its cluster here. The
  // body's last references (the request, the connection's buffer) go once
  // the reply is out: trim a little later.
  cluster_.reset();
  cluster_payload_.reset();
  ctx_.loop.cancel(trim_timer_);
  trim_timer_ = post_after(std::chrono::milliseconds(500), &PipedController::release_memory);
  return answer;
}

void PipedController::release_memory() {
  trim_timer_ = 0;
  ::malloc_trim(0);
}

const Cluster& PipedController::cluster_of(const Payload& payload) {
  if (!payload) throw std::invalid_argument("no configuration payload");
  if (payload != cluster_payload_ || !cluster_) {
    cluster_.reset();
    cluster_payload_.reset();
    // A large body came as text: its Cluster was read with its validation,
    // or is read from the text now (which says why one is of the wrong
    // shape); no tree built either way.
    if (const Cluster* read = payload.cluster()) {
      cluster_ = *read;
    } else {
      cluster_ =
          payload.text() ? Cluster::from_text(*payload.text()) : Cluster::from_payload(*payload);
    }
    cluster_payload_ = payload;
  }
  return *cluster_;
}

ControlReply PipedController::signal(const ControlRequest& request) {
  const json js = request.body ? *request.body : json::object();
  Process process{child_ ? child_->pid : 0};
  try {
    auto answer = lifecycle_.signaled(js, child_ ? &process : nullptr);
    return reply(200, answer ? std::move(*answer) : json::object());
  } catch (...) {
    spdlog::error("piped: signaled() failed: {}", what(std::current_exception()));
    return reply(500);
  }
}

ControlReply PipedController::on(const ControlRequest& request) {
  const Cluster* cluster = nullptr;
  if (request.body) {
    try {
      cluster = &cluster_of(request.body);
    } catch (const std::exception& e) {
      spdlog::info("piped: on: body is not a configuration payload ({}), ignored", e.what());
    }
  }
  const bool first_leader_on = cluster && !leader_started_;
  if (cluster) leader_started_ = true;
  try {
    if (cluster) cluster_file_->write(*cluster);
    if (supervising_) {
      if (!cluster) return reply(200);
      const bool changed = cluster->dependencies != last_dependencies_.value_or(json());
      if (!lifecycle_.strict) {
        Process process{child_ ? child_->pid : 0};
        if (lifecycle_.reconfigure(*cluster, child_ ? &process : nullptr, changed)) {
          spdlog::info("piped: on: child kept running (dependencies {})",
                       changed ? "changed, brought up to date in place" : "unchanged");
          // What the child now runs with: the next `on` compares to this.
          last_dependencies_ = cluster->dependencies;
          return reply(200);
        }
      }
      const char* why = lifecycle_.strict ? "strict" : "reconfigure() asked for it";
      if (!lifecycle_.strict && changed) why = "dependencies changed";
      spdlog::info("piped: on: restarting the child ({})", why);
      supervising_ = false;
      cancel_timers();
      stop_child(true);
    }
    if (!initialized_) {
      initialized_ = true;
      lifecycle_.initialize();
    }
    if (cluster) {
      config_ = lifecycle_.configure(*cluster);
      last_dependencies_ = cluster->dependencies;
    }
    if (!config_) {
      spdlog::warn(
          "piped: on refused: no command configured yet (no configuration payload so far)");
      return reply(406);
    }
    if (first_leader_on && !ctx_.start) {
      spdlog::info("piped: configured; ochopod_start is false, the child is not started");
      return reply(200);
    }
    start_supervising();
    return reply(200);
  } catch (...) {
    spdlog::error("piped: on failed: {}; shutting down", what(std::current_exception()));
    finish_work(true);
    return reply(406);
  }
}

void PipedController::start_supervising() {
  supervising_ = true;
  quick_failures_ = 0;
  allowance_ = lifecycle_.checks;
  failed_since_check_ = false;
  cancel_timers();
  spawn_child();
  arm_check();
}

void PipedController::spawn_child(bool restart) {
  detail::SpawnRequest request;
  request.argv = detail::command_argv(*config_, lifecycle_.shell);
  request.cwd = lifecycle_.cwd;
  request.env.emplace_back("ochopod", to_json(ctx_.hints.hints()));
  if (cluster_file_->written()) request.env.emplace_back("OCHOPOD_CLUSTER", cluster_file_->path());
  for (const auto& [name, value] : config_->env) request.env.emplace_back(name, value);
  request.output = lifecycle_.pipe_subprocess ? detail::Output::merged : detail::Output::inherit;

  auto on_exit = [weak = std::weak_ptr<Board>(board_)](pid_t pid, int status) {
    auto board = weak.lock();
    if (!board) return;
    std::lock_guard<std::mutex> lock(board->mu);
    board->exits[pid] = status;
    board->cv.notify_all();
    if (board->loop) {
      board->loop->post([weak, pid] {
        auto board = weak.lock();
        if (board && board->owner) board->owner->on_child_exit(pid);
      });
    }
  };
  auto spawned = detail::spawn_process(ctx_.reaper, request, std::move(on_exit));
  child_ = std::make_unique<Child>();
  child_->pid = spawned.pid;
  pid_ = spawned.pid;
  last_start_ = Clock::now();
  const int n = ++spawned_;
  if (ctx_.metrics) ctx_.metrics->child_started(restart);
  spdlog::info("child #{} started (pid {})", n, spawned.pid);
  ctx_.hints.set_process("running");
  if (spawned.out) child_->output = std::make_unique<detail::ChildOutput>(std::move(spawned.out));
  ctx_.hints.set_serving(false);
  if (serving_timer_ != 0) ctx_.loop.cancel(serving_timer_);
  serving_poll_ = kWaitPoll / 2;
  serving_timer_ = post_after(Clock::duration::zero(), &PipedController::poll_serving);
}

void PipedController::poll_serving() {
  serving_timer_ = 0;
  if (!child_ || !supervising_) return;
  // An `on` waiting for readiness polls it already (and sets serving).
  if (!waiting_ && child_ready()) {
    ctx_.hints.set_serving(true);
    // Back in the dependents' view, also when an `on` gave up (408) first.
    if (ctx_.presence != nullptr) ctx_.presence->rejoin();
    return;
  }
  // A child that never gets ready must not cost a check every 0.2 s.
  serving_poll_ = std::min<Clock::duration>(serving_poll_ * 2, kServingPollCap);
  serving_timer_ = post_after(serving_poll_, &PipedController::poll_serving);
}

bool PipedController::wait_group_gone(pid_t pgid, Clock::time_point deadline, bool hurry_ends) {
  std::unique_lock<std::mutex> lock(board_->mu);
  for (;;) {
    // The direct child's exit must be in too: it is ours to reap, and one that
    // left its group would escape group_alive().
    if (board_->exits.count(pgid) && !detail::group_alive(pgid)) return true;
    const auto now = Clock::now();
    const auto until = std::min(deadline, board_->stop_deadline);
    if (now >= until || (hurry_ends && board_->hurry)) return false;
    board_->cv.wait_until(lock, std::min(until, now + kGroupPoll));
  }
}

void PipedController::stop_child(bool use_tear_down) {
  if (!child_) {
    publish_stopped();
    return;
  }
  const pid_t pid = child_->pid;
  if (!wait_group_gone(pid, Clock::now())) {
    ctx_.hints.set_process("terminating");
    if (use_tear_down) {
      try {
        lifecycle_.tear_down(Process{pid});
      } catch (...) {
        spdlog::error("piped: tear_down() failed: {}", what(std::current_exception()));
      }
    } else {
      ::kill(-pid, SIGTERM);  // what is left of a group whose leader is gone
    }
    const auto grace = std::chrono::duration_cast<Clock::duration>(lifecycle_.grace);
    // Within the stop's budget: SIGKILL when it runs out, soft or not.
    const bool budget_first = stop_deadline() < Clock::now() + grace;
    if (!wait_group_gone(pid, Clock::now() + grace)) {
      bool hurry = false;
      {
        std::lock_guard<std::mutex> lock(board_->mu);
        hurry = board_->hurry;
      }
      if (budget_first) {
        spdlog::warn("piped: process group {} still running at the end of the stop budget", pid);
      }
      if (lifecycle_.soft && !hurry && !budget_first) {
        spdlog::warn("piped: process group {} still running after {} s grace; soft: leaving it",
                     pid, lifecycle_.grace.count());
      } else {
        if (hurry) {
          spdlog::warn("piped: asked again to stop: SIGKILL to process group {} now", pid);
        } else {
          spdlog::warn("piped: process group {} still running after {} s grace: SIGKILL", pid,
                       lifecycle_.grace.count());
        }
        ::kill(-pid, SIGKILL);
        ::kill(pid, SIGKILL);  // in case it left its group
        // Even when hurried: after SIGKILL the group goes at once.
        if (!wait_group_gone(pid, Clock::now() + kKillWait, false)) {
          spdlog::error("piped: process group {} survived SIGKILL for {} s", pid,
                        std::chrono::duration<double>(kKillWait).count());
        }
      }
    }
  }
  {
    std::lock_guard<std::mutex> lock(board_->mu);
    auto it = board_->exits.find(pid);
    if (it != board_->exits.end()) {
      spdlog::info("piped: child pid {} stopped ({})", pid, describe_wait_status(it->second));
      if (ctx_.metrics) ctx_.metrics->child_exited(it->second);
      board_->exits.erase(it);
    }
  }
  child_.reset();  // joins the output reader, after taking what the pipe still holds
  pid_ = 0;
  publish_stopped();
}

void PipedController::finish_work(bool use_tear_down) {
  supervising_ = false;
  cancel_timers();
  stop_child(use_tear_down);
  try {
    lifecycle_.finalize();
    spdlog::info("piped: finalized");
  } catch (...) {
    spdlog::error("piped: finalize() failed: {}", what(std::current_exception()));
  }
  dead_ = true;
  ctx_.hints.set_process("dead");
  spdlog::info("piped: the pod is dead; /control answers 410 from now on");
}

void PipedController::on_child_exit(pid_t pid) {
  int status = 0;
  {
    std::lock_guard<std::mutex> lock(board_->mu);
    auto it = board_->exits.find(pid);
    if (it == board_->exits.end()) return;  // a stop consumed it already
    status = it->second;
    if (!child_ || child_->pid != pid) {
      board_->exits.erase(it);  // a child we had given up on (soft stop)
      return;
    }
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
    spdlog::info("piped: child pid {} exited with code 0: the pod's work is done", pid);
    finish_work(false);
    return;
  }
  const int failures = ++failures_;
  failed_since_check_ = true;
  const auto ran = Clock::now() - last_start_;
  spdlog::warn("piped: child pid {} failed ({}) after {:.1f} s, failure #{}", pid,
               describe_wait_status(status), std::chrono::duration<double>(ran).count(), failures);
  // A child that ran kQuickFailure starts a new streak: this failure is its first.
  quick_failures_ = ran < kQuickFailure ? quick_failures_ + 1 : 1;
  stop_child(false);  // whatever the child left in its group goes too
  if (supervising_) schedule_restart();
}

void PipedController::schedule_restart() {
  const auto cap = std::chrono::duration_cast<Clock::duration>(lifecycle_.restart_backoff);
  Clock::duration delay = Clock::duration::zero();
  if (quick_failures_ > 1 && cap > Clock::duration::zero()) {
    delay = kFirstBackoff;
    for (int i = 2; i < quick_failures_ && delay < cap; ++i) delay *= 2;
    delay = std::min(delay, cap);
  }
  if (delay == Clock::duration::zero()) {
    spdlog::info("piped: restarting the child at once");
    restart_child();
  } else {
    spdlog::info(
        "piped: restarting the child in {} s ({} failures in a row within {} s of "
        "their start)",
        std::chrono::duration<double>(delay).count(), quick_failures_,
        std::chrono::duration<double>(kQuickFailure).count());
    restart_timer_ = post_after(delay, &PipedController::restart_child);
  }
}

void PipedController::restart_child() {
  restart_timer_ = 0;
  if (!supervising_ || child_ || dead_) return;
  try {
    spawn_child(true);
  } catch (...) {
    spdlog::error("piped: cannot restart the child: {}; shutting down",
                  what(std::current_exception()));
    finish_work(false);
  }
}

void PipedController::arm_check() {
  if (check_timer_ != 0) ctx_.loop.cancel(check_timer_);
  // A zero or negative check_every must not turn the loop into a busy one.
  const auto every = std::max<Clock::duration>(
      std::chrono::duration_cast<Clock::duration>(lifecycle_.check_every), kMinCheckEvery);
  check_timer_ = post_after(every, &PipedController::run_check);
}

void PipedController::run_check() {
  check_timer_ = 0;
  if (!supervising_) return;
  bool failed = failed_since_check_ || !child_;
  failed_since_check_ = false;
  std::string why = failed ? "the child failed since the last check" : "";
  if (!failed) {
    try {
      auto metrics = lifecycle_.sanity_check(Process{child_->pid});
      if (metrics && metrics->is_object()) {
        ctx_.hints.set_metrics(std::move(*metrics));
      } else if (metrics) {
        spdlog::warn("piped: sanity_check() returned a non-object, ignored: {}", metrics->dump());
      }
    } catch (...) {
      failed = true;
      why = "sanity_check() failed: " + what(std::current_exception());
    }
  }
  if (ctx_.metrics) ctx_.metrics->check_ran(failed);
  if (!failed) {
    allowance_ = lifecycle_.checks;
    arm_check();
    return;
  }
  --allowance_;
  if (allowance_ > 0) {
    spdlog::warn("piped: sanity check failed ({}); {} more allowed", why, allowance_);
    arm_check();
    return;
  }
  spdlog::error("piped: sanity check failed ({}); no failure left: turning the child off", why);
  supervising_ = false;
  cancel_timers();
  withdraw();  // serving nothing: out of the dependents' view
  stop_child(true);
}

void PipedController::cancel_timers() {
  if (check_timer_ != 0) ctx_.loop.cancel(check_timer_);
  if (restart_timer_ != 0) ctx_.loop.cancel(restart_timer_);
  if (serving_timer_ != 0) ctx_.loop.cancel(serving_timer_);
  check_timer_ = restart_timer_ = serving_timer_ = 0;
}

void PipedController::publish_stopped() {
  ctx_.hints.set_serving(false);
  if (ctx_.metrics) ctx_.metrics->child_stopped();
  ctx_.hints.set_process("stopped");
  ctx_.hints.set_metrics(json::object());
}

}  // namespace ochopod
