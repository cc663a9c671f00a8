#include "models/piped/controller.h"

#include <malloc.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>
#include <stdexcept>

#include "models/child/spawn.h"
#include "models/piped/child_host.h"
#include "models/piped/child_process.h"
#include "models/piped/child_setup.h"
#include "models/piped/cluster_file.h"
#include "models/piped/command_line.h"
#include "models/piped/periodic_jobs.h"
#include "models/piped/sidecars.h"
#include "runtime/base/text.h"
#include "runtime/base/wait_status.h"
#include "runtime/process/code_pages.h"

namespace ochopod {

using nlohmann::json;
using namespace std::chrono_literals;

namespace {

constexpr auto kMinCheckEvery = 10ms;
// How often a start waiting for its jobs' readiness looks again.
constexpr auto kJobsPoll = 200ms;

double seconds(Scheduler::Clock::duration d) { return std::chrono::duration<double>(d).count(); }

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

// What a shell says of a wait status: the code, or 128+n for a signal n.
int exit_code_of(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 1;
}

}  // namespace

PipedController::PipedController(Piped& lifecycle, Context ctx)
    : lifecycle_(lifecycle),
      ctx_(std::move(ctx)),
      loop_(ctx_.loop),
      own_host_(ctx_.host ? nullptr
                          : std::make_unique<detail::ReaperChildHost>(ctx_.reaper, ctx_.loop)),
      cluster_file_(std::make_unique<detail::ClusterFile>(ctx_.cluster_file)),
      child_(std::make_unique<detail::ChildProcess>(
          loop_, ctx_.host ? *ctx_.host : *own_host_,
          [this](pid_t pid, int status) { on_child_exit(pid, status); })) {
  detail::ChildHost& host = ctx_.host ? *ctx_.host : *own_host_;
  if (!lifecycle_.jobs.empty()) {
    detail::Sidecars::Context jobs{loop_, host, ctx_.metrics, &ctx_.hints, {}, {}};
    jobs.request = [this](const Job& job) {
      auto request = detail::Sidecars::default_request(job);
      detail::add_child_setup(lifecycle_, request, job.name);
      return request;
    };
    jobs.restart_backoff = lifecycle_.restart_backoff;
    sidecars_ = std::make_unique<detail::Sidecars>(std::move(jobs), lifecycle_.jobs);
  }
  if (!lifecycle_.periodic.empty()) {
    detail::PeriodicJobs::Context periodic{loop_, host, ctx_.metrics, &ctx_.hints, {}};
    periodic.request = [this](const PeriodicJob& job) {
      auto request = detail::PeriodicJobs::default_request(job);
      detail::add_child_setup(lifecycle_, request, job.name);
      return request;
    };
    periodic_ = std::make_unique<detail::PeriodicJobs>(std::move(periodic), lifecycle_.periodic);
  }
}

PipedController::~PipedController() {
  bool ran = false;
  auto cleanup = [&] {
    ran = true;
    loop_.close();
    cancel_timers();
    pending_.answer(503);
    if (child_->running()) {
      spdlog::warn("piped: controller destroyed with child pid {} running: SIGKILL", child_->pid());
      child_->kill();
    }
    periodic_.reset();
    sidecars_.reset();  // SIGKILLs what still runs
  };
  ctx_.loop.run_sync(cleanup);
  if (!ran) cleanup();  // the loop had stopped: nothing of ours runs on it any more
}

PipedController::Context piped_context(PodServices& services) {
  PipedController::Context context{
      services.lifecycle_loop, services.hints, services.reaper, services.settings.start, "",
      &services.metrics};
  context.presence = &services.presence;
  context.withdraw_limit = services.settings.session_timeout;
  context.leave_delay = services.settings.leave_delay;
  context.end_pod = services.end_pod;
  return context;
}

int PipedController::children_started() const { return child_->started(); }

pid_t PipedController::child_pid() const { return child_->pid(); }

const std::string& PipedController::cluster_file() const { return cluster_file_->path(); }

Scheduler::TimerId PipedController::post_after(Clock::duration delay,
                                               void (PipedController::*member)()) {
  return loop_.post_after(delay, [this, member] { (this->*member)(); });
}

ControlReply PipedController::handle(const ControlRequest& request) {
  if (!is_control_task(request.task)) {
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
  end_work(std::nullopt, true);
  return reply(200);
}

void PipedController::handle_async(const ControlRequest& request, Done done) {
  const std::string& task = request.task;
  if (dead_ || (task != "on" && task != "off" && task != "kill")) return done(handle(request));
  const auto now = loop_.now();
  if (task == "on") {
    ControlReply answer = on(request);
    if (answer.code != 200 || !supervising_) return done(std::move(answer));
    pending_.hold(task, Stage::kReady, request.deadline, std::move(done));
    poll_ready();
    return;
  }
  if (!child_->running()) return done(handle(request));
  // Out of the dependents' view first, serving meanwhile; then the leave
  // delay, the drain, the stop (docs/lifecycle.md, "Stopping it").
  supervising_ = false;
  cancel_timers();
  ctx_.hints.set_process(ProcessState::kTerminating);
  pending_.hold(task, Stage::kLeaving, Clock::time_point::max(), std::move(done));
  if (request.from_leader()) return start_drain();  // full_shutdown: see handle()
  if (ctx_.presence == nullptr) return on_withdrawn();
  ctx_.hints.set_serving(false);
  // A leader that does not drop us (frozen, or one that ignores withdrawals)
  // must not cost the operator's request its answer: half its time at most.
  auto limit = std::chrono::duration_cast<Clock::duration>(ctx_.withdraw_limit);
  if (request.deadline != Clock::time_point::max()) {
    limit = std::max(Clock::duration::zero(), std::min(limit, (request.deadline - now) / 2));
  }
  // The answer comes on the coordinator's thread, maybe after we are gone.
  ctx_.presence->withdraw(std::chrono::duration_cast<std::chrono::milliseconds>(limit),
                          [loop = &ctx_.loop, then = loop_.guard([this] { on_withdrawn(); })](
                              bool) { loop->post(then); });
}

void PipedController::withdraw() {
  ctx_.hints.set_serving(false);
  if (ctx_.presence != nullptr) ctx_.presence->withdraw(ctx_.withdraw_limit, [](bool) {});
}

void PipedController::on_withdrawn() {
  if (!pending_.held() || pending_.stage() != Stage::kLeaving) return;
  if (ctx_.leave_delay.count() <= 0) return start_drain();
  spdlog::info("piped: {}: out of view; serving {} ms more (leave delay)", pending_.task(),
               ctx_.leave_delay.count());
  pending_.enter(Stage::kLingering, Clock::time_point::max());
  pending_.after(ctx_.leave_delay, [this] { start_drain(); });
}

void PipedController::start_drain() {
  if (!pending_.held() || pending_.stage() == Stage::kDraining) return;
  pending_.enter(Stage::kDraining,
                 loop_.now() + std::chrono::duration_cast<Clock::duration>(lifecycle_.grace));
  if (child_->running() && !child_drained()) {
    spdlog::info("piped: {}: waiting for the child to drain (up to {} s) before stopping it",
                 pending_.task(), lifecycle_.grace.count());
  }
  pending_.poll(
      [this] { return !child_->running() || child_drained(); },
      [this](bool drained) {
        const std::string task = pending_.task();
        if (drained) {
          if (pending_.waited() >= detail::PendingReply::kPoll)
            spdlog::info("piped: {}: drained after {:.1f} s", task, seconds(pending_.waited()));
        } else {
          spdlog::warn("piped: {}: not drained after the {} s grace: stopping the child anyway",
                       task, lifecycle_.grace.count());
        }
        // The child may have ended the pod's work meanwhile (exit code 0).
        if (!dead_) {
          if (task == "kill") {
            end_work(std::nullopt, true);
          } else {
            stop_child(true);
          }
        }
        pending_.answer(200);
      });
}

void PipedController::poll_ready() {
  pending_.poll([this] { return !supervising_ || child_ready(); },
                [this](bool ready) {
                  if (!supervising_) {
                    spdlog::warn("piped: on: the child was stopped before it was ready");
                    return pending_.answer(dead_ ? 410 : 408);
                  }
                  if (!ready) {
                    spdlog::warn(
                        "piped: on: the child is not ready after {:.1f} s (the request's "
                        "timeout): 408; it keeps running",
                        seconds(pending_.waited()));
                    return pending_.answer(408);
                  }
                  if (pending_.waited() >= detail::PendingReply::kPoll)
                    spdlog::info("piped: on: the child is ready after {:.1f} s",
                                 seconds(pending_.waited()));
                  if (child_->running()) {
                    // Serving: back in the dependents' view if an `off` took it out.
                    ctx_.hints.set_serving(true);
                    if (ctx_.presence != nullptr) ctx_.presence->rejoin();
                  }
                  pending_.answer(200);
                });
}

bool PipedController::child_ready() {
  if (waiting_for_jobs_) return false;
  try {
    return lifecycle_.ready(Process{child_->pid()});
  } catch (...) {
    spdlog::debug("piped: ready() failed: {}", what(std::current_exception()));
    return false;
  }
}

bool PipedController::child_drained() {
  try {
    return lifecycle_.drained(Process{child_->pid()});
  } catch (...) {
    spdlog::error("piped: drained() failed: {}; not waiting for a drain",
                  what(std::current_exception()));
    return true;
  }
}

void PipedController::drain_before_shutdown() {
  if (!child_->running() || child_drained()) return;
  spdlog::info("piped: waiting for the child to drain (up to {} s) before stopping it",
               lifecycle_.grace.count());
  ctx_.hints.set_process(ProcessState::kTerminating);
  if (child_->wait_drained([this] { return child_drained(); }, lifecycle_.grace)) {
    spdlog::info("piped: drained");
    return;
  }
  spdlog::warn("piped: not drained (grace over or asked again to stop): stopping the child anyway");
}

void PipedController::shutdown(Clock::time_point deadline) {
  stop_by(deadline);
  ctx_.hints.set_serving(false);
  if (pending_.held()) {
    spdlog::warn("piped: {} still waiting when the pod stops: 503", pending_.task());
    pending_.answer(503);
  }
  if (dead_) return;
  spdlog::info("piped: shutting down");
  drain_before_shutdown();
  end_work(std::nullopt, true);
}

void PipedController::forward_signal(int signo) {
  if (!child_->running()) {
    spdlog::info("piped: signal {} ({}) received; no child to forward it to", signo,
                 strsignal(signo));
    return;
  }
  spdlog::info("piped: forwarding signal {} ({}) to the child's group {}", signo, strsignal(signo),
               child_->pid());
  if (!child_->signal(signo)) {
    spdlog::warn("piped: cannot forward signal {} to group {}: {}", signo, child_->pid(),
                 std::strerror(errno));
  }
}

void PipedController::stop_by(Clock::time_point deadline) {
  child_->stop_by(deadline);
  if (sidecars_) sidecars_->stop_by(deadline);
}

void PipedController::hurry() {
  child_->hurry();
  if (sidecars_) sidecars_->hurry();
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
  // the reply is out: trim a little later. After the first round, once
  // the rounds stop: while a deploy's pods arrive a leader runs one round
  // every second at a thousand pods, and a trim between two gave the next
  // round's buffers back as fresh pages, one more cost that grew with the
  // cluster (bench/README.md).
  cluster_.reset();
  cluster_payload_.reset();
  loop_.cancel(trim_timer_);
  trim_timer_ = post_after(code_released_ ? 5s : 500ms, &PipedController::release_memory);
  return answer;
}

void PipedController::release_memory() {
  trim_timer_ = 0;
  ::malloc_trim(0);
  if (code_released_) return;
  code_released_ = true;
  const auto started = std::chrono::steady_clock::now();
  const ReleasedCode released = release_code_pages();
  const std::chrono::duration<double, std::milli> took = std::chrono::steady_clock::now() - started;
  if (released.kept) {
    spdlog::debug(
        "memory: the boot's code kept mapped: another process maps {} of the {} pages of it "
        "mapped here ({:.2f} ms)",
        released.shared_pages, released.program_pages, took.count());
    return;
  }
  spdlog::debug(
      "memory: the boot's code unmapped ({} KiB of {} objects' read-only segments, {} calls; "
      "{} of the program's {} mapped pages shared; {:.2f} ms)",
      released.bytes / 1024, released.objects, released.calls, released.shared_pages,
      released.program_pages, took.count());
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
  Process process{child_->pid()};
  try {
    auto answer = lifecycle_.signaled(js, child_->running() ? &process : nullptr);
    return reply(200, answer ? std::move(*answer) : json::object());
  } catch (const std::invalid_argument& e) {
    spdlog::warn("piped: signal refused: {}", e.what());
    return reply(400, json{{"error", e.what()}});
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
        Process process{child_->pid()};
        if (lifecycle_.reconfigure(*cluster, child_->running() ? &process : nullptr, changed)) {
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
    end_work(1, true);
    return reply(406);
  }
}

void PipedController::start_supervising() {
  supervising_ = true;
  crash_loop_.start(lifecycle_.restart_backoff);
  allowance_ = lifecycle_.checks;
  liveness_allowance_ = lifecycle_.checks;
  restarts_ = 0;
  failed_since_check_ = false;
  cancel_timers();
  if (periodic_) periodic_->start();
  spawn_when_jobs_ready();
  arm_check();
}

// Jobs first (docs/lifecycle.md, "Jobs"): the child starts once those with
// a readiness check pass it. Polled on the loop, never blocking it longer
// than one check.
void PipedController::spawn_when_jobs_ready() {
  jobs_timer_ = 0;
  waiting_for_jobs_ = false;
  if (!supervising_ || dead_ || child_->running()) return;
  if (sidecars_) {
    sidecars_->start();
    if (!sidecars_->ready()) {
      waiting_for_jobs_ = true;
      jobs_timer_ = post_after(kJobsPoll, &PipedController::spawn_when_jobs_ready);
      return;
    }
  }
  spawn_child();
}

void PipedController::spawn_child(bool restart) {
  // Before each start, as configure() is: what it throws fails the start.
  lifecycle_.pre_start();
  detail::SpawnRequest request;
  request.argv = detail::command_argv(*config_, lifecycle_.shell);
  request.cwd = lifecycle_.cwd;
  request.env.emplace_back("ochopod", to_json(ctx_.hints.hints()));
  if (cluster_file_->written()) request.env.emplace_back("OCHOPOD_CLUSTER", cluster_file_->path());
  for (const auto& [name, value] : config_->env) request.env.emplace_back(name, value);
  detail::add_child_setup(lifecycle_, request);
  child_->start(request);
  last_start_ = loop_.now();
  if (ctx_.metrics) ctx_.metrics->child_started(restart);
  ctx_.hints.set_process(ProcessState::kRunning);
  ctx_.hints.set_serving(false);
  if (serving_timer_ != 0) loop_.cancel(serving_timer_);
  serving_poll_.reset();
  serving_timer_ = post_after(Clock::duration::zero(), &PipedController::poll_serving);
}

void PipedController::poll_serving() {
  serving_timer_ = 0;
  if (!child_->running() || !supervising_) return;
  // An `on` waiting for readiness polls it already (and sets serving).
  if (!pending_.held() && child_ready()) {
    ctx_.hints.set_serving(true);
    // Back in the dependents' view, also when an `on` gave up (408) first.
    if (ctx_.presence != nullptr) ctx_.presence->rejoin();
    return;
  }
  // A child that never gets ready must not cost a check every 0.2 s.
  serving_timer_ = post_after(serving_poll_.next(), &PipedController::poll_serving);
}

void PipedController::stop_child(bool use_tear_down) {
  if (child_->running()) {
    const auto status = child_->stop(
        [&](pid_t pid) {
          ctx_.hints.set_process(ProcessState::kTerminating);
          if (!use_tear_down) {
            child_->signal(SIGTERM);  // what is left of a group whose leader is gone
            return;
          }
          try {
            lifecycle_.tear_down(Process{pid});
          } catch (...) {
            spdlog::error("piped: tear_down() failed: {}", what(std::current_exception()));
          }
        },
        lifecycle_.grace, lifecycle_.soft);
    if (status && ctx_.metrics) ctx_.metrics->child_exited(*status);
    last_stop_status_ = status;
    try {
      lifecycle_.post_stop(status);
    } catch (...) {
      spdlog::error("piped: post_stop() failed: {}", what(std::current_exception()));
    }
  }
  publish_stopped();
}

void PipedController::finish_work(bool use_tear_down) {
  supervising_ = false;
  cancel_timers();
  stop_child(use_tear_down);
  if (periodic_) periodic_->stop();
  if (sidecars_) sidecars_->stop();  // after the child: it may still need them to stop
  try {
    lifecycle_.finalize();
    spdlog::info("piped: finalized");
  } catch (...) {
    spdlog::error("piped: finalize() failed: {}", what(std::current_exception()));
  }
  dead_ = true;
  ctx_.hints.set_process(ProcessState::kDead);
  spdlog::info("piped: the pod is dead; /control answers 410 from now on");
}

void PipedController::on_child_exit(pid_t pid, int status) {
  const int code = exit_code_of(status);
  const auto& ok = lifecycle_.success_codes;
  if (WIFEXITED(status) && (code == 0 || std::find(ok.begin(), ok.end(), code) != ok.end())) {
    spdlog::info("piped: child pid {} exited with code {}: the pod's work is done", pid, code);
    end_work(0, false);
    return;
  }
  const int failures = ++failures_;
  failed_since_check_ = true;
  const auto ran = loop_.now() - last_start_;
  spdlog::warn("piped: child pid {} failed ({}) after {:.1f} s, failure #{}", pid,
               describe_wait_status(status), seconds(ran), failures);
  const auto delay = crash_loop_.failed(ran);
  stop_child(false);  // whatever the child left in its group goes too
  if (supervising_) after_failure(status, delay);
}

bool PipedController::restart_left() const {
  if (lifecycle_.max_restarts) return restarts_ < *lifecycle_.max_restarts;
  return !lifecycle_.exit_with_child;  // tini's rule: the pod ends with its child
}

void PipedController::after_failure(int status, Clock::duration delay) {
  if (restart_left()) {
    ++restarts_;
    return schedule_restart(delay);
  }
  spdlog::error("piped: the child failed ({}) and no restart is left ({} done): it stays down",
                describe_wait_status(status), restarts_);
  end_work(exit_code_of(status), false);
}

void PipedController::end_work(std::optional<int> code, bool use_tear_down) {
  last_stop_status_.reset();
  finish_work(use_tear_down);
  if (!lifecycle_.exit_with_child) return;  // the pod stays up, dead: ochopod's meaning
  // A child the pod stopped itself: 0 when it went within its grace.
  const bool killed = last_stop_status_ && WIFSIGNALED(*last_stop_status_) &&
                      WTERMSIG(*last_stop_status_) == SIGKILL;
  exit_code_ = code ? *code : (killed ? 128 + SIGKILL : 0);
  if (ctx_.end_pod) {
    spdlog::info("piped: exit with the child: the pod exits with code {}", exit_code_.load());
    ctx_.end_pod();
  }
}

void PipedController::schedule_restart(Clock::duration delay) {
  if (delay == Clock::duration::zero()) {
    spdlog::info("piped: restarting the child at once");
    restart_child();
    return;
  }
  spdlog::info(
      "piped: restarting the child in {} s ({} failures in a row within {} s of "
      "their start)",
      seconds(delay), crash_loop_.streak(), seconds(detail::CrashLoop::kQuickFailure));
  restart_timer_ = post_after(delay, &PipedController::restart_child);
}

void PipedController::restart_child() {
  restart_timer_ = 0;
  if (!supervising_ || child_->running() || dead_) return;
  try {
    spawn_child(true);
  } catch (...) {
    spdlog::error("piped: cannot restart the child: {}; shutting down",
                  what(std::current_exception()));
    end_work(1, false);
  }
}

void PipedController::arm_check() {
  if (check_timer_ != 0) loop_.cancel(check_timer_);
  // A zero or negative check_every must not turn the loop into a busy one.
  const auto every = std::max<Clock::duration>(
      std::chrono::duration_cast<Clock::duration>(lifecycle_.check_every), kMinCheckEvery);
  check_timer_ = post_after(every, &PipedController::run_check);
}

void PipedController::run_check() {
  check_timer_ = 0;
  if (!supervising_) return;
  bool failed = failed_since_check_ || !child_->running();
  failed_since_check_ = false;
  std::string why = failed ? "the child failed since the last check" : "";
  if (!failed) {
    try {
      auto metrics = lifecycle_.sanity_check(Process{child_->pid()});
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
    check_liveness();
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

// After a passing sanity check: the child may still be stuck (docs/lifecycle.md,
// "Watching it"). Counted only once start_period has passed since its start.
void PipedController::check_liveness() {
  if (!supervising_ || !child_->running()) return;
  const auto since = loop_.now() - last_start_;
  if (since < std::chrono::duration_cast<Clock::duration>(lifecycle_.start_period)) return;
  std::string why;
  try {
    if (lifecycle_.alive(Process{child_->pid()})) {
      liveness_allowance_ = lifecycle_.checks;
      return;
    }
    why = "alive() said no";
  } catch (...) {
    why = what(std::current_exception());
  }
  if (ctx_.metrics) ctx_.metrics->liveness_failed();
  if (--liveness_allowance_ > 0) {
    spdlog::warn("piped: liveness check failed ({}); {} more allowed", why, liveness_allowance_);
    return;
  }
  spdlog::error("piped: liveness check failed ({}) {} times in a row: restarting the child", why,
                lifecycle_.checks);
  liveness_allowance_ = lifecycle_.checks;
  const auto ran = loop_.now() - last_start_;
  ++failures_;
  stop_child(true);
  if (!supervising_) return;
  after_failure(last_stop_status_.value_or(W_EXITCODE(0, SIGKILL)), crash_loop_.failed(ran));
}

void PipedController::cancel_timers() {
  if (check_timer_ != 0) loop_.cancel(check_timer_);
  if (restart_timer_ != 0) loop_.cancel(restart_timer_);
  if (serving_timer_ != 0) loop_.cancel(serving_timer_);
  if (jobs_timer_ != 0) loop_.cancel(jobs_timer_);
  check_timer_ = restart_timer_ = serving_timer_ = jobs_timer_ = 0;
}

void PipedController::publish_stopped() {
  ctx_.hints.set_serving(false);
  if (ctx_.metrics) ctx_.metrics->child_stopped();
  ctx_.hints.set_process(ProcessState::kStopped);
  ctx_.hints.set_metrics(json::object());
}

}  // namespace ochopod
