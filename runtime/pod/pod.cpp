#include "runtime/pod/pod.h"

#include <spdlog/spdlog.h>
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>

#include "runtime/base/ids.h"
#include "runtime/control/request_queue.h"
#include "runtime/control/tool_executor.h"
#include "runtime/process/guardian.h"
#include "runtime/process/pid1.h"
#include "runtime/process/signals.h"

namespace ochopod {

namespace {

// The child, tools and commands inherit the pod's environment; the bindings
// have read the token by now, so it goes before any thread or child exists.
void keep_secrets_from_children() {
  ::unsetenv("ochopod_token");
  ::unsetenv("ochopod_token_file");
}

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// GET /healthz's bounds (docs/protocol.md 7, "Probes").
constexpr auto kStuckCoordinator = 30s;
constexpr auto kStuckLifecycle = 5min;

// Where SIGTERM/SIGINT land: the signal thread sets it, main waits on it.
// A second one hurries the stop: waits of main's own end at once.
class StopLatch {
 public:
  // False when the stop had been triggered already (the call hurries it).
  bool trigger() {
    std::lock_guard<std::mutex> lock(mu_);
    const bool first = !stopped_;
    hurried_ = !first;
    stopped_ = true;
    cv_.notify_all();
    return first;
  }
  // The stop without the hurry: false when one was under way already.
  bool begin() {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopped_) return false;
    stopped_ = true;
    cv_.notify_all();
    return true;
  }
  void wait() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return stopped_; });
  }
  // The leave delay: until deadline or a second signal.
  void linger(Clock::time_point deadline) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_until(lock, deadline, [this] { return hurried_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopped_ = false;
  bool hurried_ = false;
};

// The models get their Presence before the Coordinator exists (it needs the
// leader's work, which needs the services): this forwards to it once set,
// and answers "out" at once without one (solo).
class PresenceRelay final : public Presence {
 public:
  void attach(Coordinator* coordinator) {
    std::lock_guard<std::mutex> lock(mu_);
    coordinator_ = coordinator;
  }
  void withdraw(std::chrono::milliseconds limit, Out out) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (coordinator_ == nullptr) return out(true);
    coordinator_->withdraw(limit, std::move(out));
  }
  void rejoin() override {
    std::lock_guard<std::mutex> lock(mu_);
    if (coordinator_ != nullptr) coordinator_->rejoin();
  }
  void hurry() {
    std::lock_guard<std::mutex> lock(mu_);
    if (coordinator_ != nullptr) coordinator_->hurry();
  }

 private:
  std::mutex mu_;
  Coordinator* coordinator_ = nullptr;
};

// Solo: no ZooKeeper, so no peers and no election. The pod is the leader of
// a cluster of one and walks itself through the round a leader would run.
void configure_solo(const PodSettings& settings, const std::string& uuid, Hints& hints,
                    EventLoop& lifecycle, Controller& controller) {
  nlohmann::json registration = settings.registration;
  registration["seq"] = 0;
  hints.set_registration(registration);
  log::set_seq(0);
  nlohmann::json dependencies = nlohmann::json::object();
  for (const auto& dep : settings.dependencies)
    dependencies[dep.get<std::string>()] = nlohmann::json::object();
  nlohmann::json payload{
      {"pods", {{uuid, registration}}}, {"dependencies", dependencies}, {"key", uuid}};
  lifecycle.post([&controller, payload] {
    spdlog::info("solo: no ZooKeeper, configuring ourselves as a cluster of one");
    for (const char* task : {"check", "on", "ok"}) {
      const ControlReply reply = controller.handle(ControlRequest{task, make_payload(payload)});
      if (reply.code != 200) {
        spdlog::error("solo: {} answered {}; the pod stays as it is", task, reply.code);
        return;
      }
    }
  });
}

// The process before any thread exists: signals blocked for the signal
// thread, secrets out of what children inherit, the logger in the pod's
// format, as PID 1 the split (pid1.h), then the guardian (guardian.h).
void prepare_process(const PodSettings& settings) {
  SignalThread::block_signals();
  keep_secrets_from_children();
  // No subreaper, no waitpid(-1) here: the runtime reaps only what it started
  // (callbacks may wait for their own subprocesses); as PID 1 a separate
  // process reaps the orphans.
  // Before the split, so that a PID 1's reaper writes in the pod's format
  // too (no thread exists yet: the synchronous logger survives the fork).
  log::Options log_options = settings.log;
  log_options.cluster = settings.cluster;
  log_options.ns = settings.ns;
  log::setup(log_options);
  split_if_pid1();
  // In the runtime (not the PID 1 reaper), before any thread can spawn
  // a group it must watch.
  Guardian::process().start();
}

std::unique_ptr<Coordinator> make_coordinator(const PodSettings& settings, const std::string& uuid,
                                              EventLoop& loop, Hints& hints, Metrics& metrics,
                                              LeaderWork* leader_work,
                                              std::function<void(uint64_t)> on_registered) {
  if (!settings.zk) return nullptr;
  Coordinator::Options options;
  options.zk = *settings.zk;
  options.acl = settings.zk_acl;
  options.cluster = settings.full_name();
  options.uuid = uuid;
  options.registration = settings.registration;
  options.session_timeout = settings.session_timeout;
  options.metrics = &metrics;
  options.on_registered = std::move(on_registered);
  return std::make_unique<Coordinator>(loop, hints, std::move(options), leader_work);
}

ToolBox registered_tools(const PodParts& factories, PodServices& services) {
  ToolBox tools;
  if (factories.tools) factories.tools(services, tools);
  return tools;
}

// Every part of a running pod, wired. Declared in the reverse order of
// their shutdown: destroyed last, stopped first. Built on the main thread,
// which keeps it until the pod exits; nothing here moves.
struct Parts {
  Parts(const PodSettings& settings, const PodParts& factories, std::string id)
      : settings(settings),
        uuid(std::move(id)),
        hints(settings.registration, settings.dependencies),
        services{settings, uuid,    lifecycle_loop, coordinator_loop, hints,
                 reaper,   metrics, presence,       [this] { end(); }},
        controller(factories.controller(services)),
        // Signals sent before this wait, blocked, for the signalfd. The
        // lifecycle owns the child: forwarded signals are posted to it; a
        // second SIGTERM/SIGINT finds it blocked in the stop, which hurry()
        // cuts short.
        signals(
            reaper,
            [this](int) {
              if (!stop.trigger()) {
                spdlog::warn("asked again to stop: skipping the rest of the grace");
                presence.hurry();
                controller->hurry();
              }
            },
            [this](int signo) {
              lifecycle_loop.post([this, signo] { controller->forward_signal(signo); });
            }),
        leader_work(factories.leader_work ? factories.leader_work(services) : nullptr),
        tools(registered_tools(factories, services)),
        requests(lifecycle_loop, *controller),
        coordinator(
            make_coordinator(settings, uuid, coordinator_loop, hints, metrics, leader_work.get(),
                             // Called once serving: the server is built by then.
                             [this](uint64_t czxid) { server.fences_restart_below(czxid); })),
        server(server_options(settings), handlers()) {
    if (!coordinator) {
      hints.set_state(PodState::kLeader);
      hints.set_registered(true);  // a cluster of one, with nobody to register with
      return;
    }
    // The session's handshake overlaps the control port's start; the pod
    // registers once it serves (start()).
    coordinator->connect();
  }

  // The controller ended the pod's work: the stop SIGTERM would start,
  // unless one is under way (a second trigger would hurry it).
  void end() {
    if (stop.begin()) spdlog::info("the pod's work is over: stopping");
  }

  // What the control port answers with; the /exec tools are registered by
  // the time it starts.
  ControlHandlers handlers() {
    ControlHandlers h;
    h.info = [this] { return hints.info(); };
    h.log = [] { return nlohmann::json(log::recent()); };
    h.metrics = [this] { return metrics.render(hints); };
    h.control_answered = [this](std::string_view task, int code) {
      metrics.control_answered(task, code);
    };
    // Probes (docs/protocol.md 7): a loop stuck in one task answers nothing
    // else. The lifecycle legitimately waits out a child's stop grace in one.
    h.healthz = [this] {
      return coordinator_loop.busy_for() < kStuckCoordinator &&
             lifecycle_loop.busy_for() < kStuckLifecycle;
    };
    h.readyz = [this] { return hints.ready(); };
    h.reset = [this] {
      if (coordinator) coordinator->renew();
    };
    h.control = serve_control(requests);
    h.exec = serve_exec(tools, tool_executor);
    return h;
  }

  const PodSettings& settings;
  const std::string uuid;
  Reaper reaper;
  Metrics metrics;
  Hints hints;
  StopLatch stop;
  PresenceRelay presence;
  EventLoop coordinator_loop{"coordinator"};
  EventLoop lifecycle_loop{"lifecycle"};
  PodServices services;
  std::unique_ptr<Controller> controller;
  SignalThread signals;
  std::unique_ptr<LeaderWork> leader_work;
  ToolBox tools;
  RequestQueue requests;
  std::unique_ptr<Coordinator> coordinator;
  ToolExecutor tool_executor;
  ControlServer server;
};

// The session closed (our ephemerals gone at once), the leader's work
// dropped on its own loop, then that loop ended: nothing the session
// posted runs after this.
void close_coordinator(Parts& parts) {
  if (parts.coordinator) parts.coordinator->stop();
  parts.coordinator_loop.run_sync([&parts] { parts.leader_work.reset(); });
  parts.coordinator_loop.stop();
  parts.coordinator_loop.wait_stopped();
}

// Serving: the control port, then the cluster (or the solo round). False
// when the port cannot be had.
bool start(Parts& parts) {
  std::string error;
  if (!parts.server.start(&error)) {
    spdlog::critical("{}", error);
    parts.lifecycle_loop.stop();
    parts.lifecycle_loop.wait_stopped();
    close_coordinator(parts);  // the session connect() opened: nothing was registered
    return false;
  }
  if (parts.coordinator) {
    parts.presence.attach(parts.coordinator.get());
    parts.coordinator->start();
  } else {
    configure_solo(parts.settings, parts.uuid, parts.hints, parts.lifecycle_loop,
                   *parts.controller);
  }
  return true;
}

// The order of docs/lifecycle.md ("The pod process itself"): out of the
// dependents' view first, the child stopped last, all within the budget.
void shut_down(Parts& parts) {
  const PodSettings& settings = parts.settings;
  const auto started = Clock::now();
  const auto deadline = settings.stop_timeout.count() > 0 ? started + settings.stop_timeout
                                                          : Clock::time_point::max();
  // Without a budget, waiting on ZooKeeper for longer than the session
  // timeout gains nothing over closing the session.
  const auto zk_deadline = std::min(deadline, started + settings.session_timeout);
  parts.hints.set_leaving(true);
  parts.controller->stop_by(deadline);
  parts.tool_executor.stop_all();  // nothing a tool does may hold the stop
  if (parts.coordinator) {
    spdlog::info("shutting down: leaving the cluster's view first");
    if (parts.coordinator->leave(zk_deadline)) {
      spdlog::info(
          "out of the cluster's snapshot after {} ms",
          std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count());
    }
  }
  if (settings.leave_delay.count() > 0) {
    spdlog::info("serving {} ms more while dependents apply it (leave delay)",
                 settings.leave_delay.count());
    parts.stop.linger(std::min(deadline, Clock::now() + settings.leave_delay));
  }
  spdlog::info("shutting down: stopping the child");
  parts.lifecycle_loop.run_sync([&parts, deadline] { parts.controller->shutdown(deadline); });
  parts.lifecycle_loop.stop();
  // A timer may have fired meanwhile: the controller is destroyed next.
  parts.lifecycle_loop.wait_stopped();
  if (parts.coordinator) {
    parts.coordinator->hand_off(std::min(deadline, Clock::now() + settings.session_timeout));
    parts.presence.attach(nullptr);
  }
  close_coordinator(parts);
  parts.server.stop();
}

}  // namespace

ControlServer::Options server_options(const PodSettings& settings) {
  ControlServer::Options options;
  options.bind = settings.bind;
  options.port = settings.listen_port;
  options.max_body = settings.max_body;
  options.token = settings.security.token;
  options.tls_cert = settings.security.tls_cert;
  options.tls_key = settings.security.tls_key;
  return options;
}

namespace {

int serve(const PodSettings& settings, const PodParts& factories) {
  const std::string uuid = make_uuid4();
  spdlog::info("pod {} of {} starting", uuid, settings.full_name());
  Parts parts(settings, factories, uuid);
  if (!start(parts)) return 1;
  parts.stop.wait();
  shut_down(parts);
  const int code = parts.controller->exit_code();
  spdlog::info("pod {} stopped (exit code {})", uuid, code);
  return code;
}

}  // namespace

int run_pod(const PodSettings& settings, const PodParts& factories) {
  prepare_process(settings);
  const int code = serve(settings, factories);
  // Every thread has ended with the parts: nothing sends to it any more.
  Guardian::process().stop();
  return code;
}

}  // namespace ochopod
