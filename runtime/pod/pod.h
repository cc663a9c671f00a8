// The pod process: owns every piece of the runtime and their threads, from
// boot to exit.
//
// Threads, each with its own state: "coordinator" (ZooKeeper presence and the
// leader's work), "lifecycle" (control requests, the child, which it forks so
// the child's PR_SET_PDEATHSIG lasts as long as the pod), "signals" (reaping
// our own children, SIGTERM/SIGINT, signals forwarded to the child), "http"
// (the control port's I/O, which only reads hints and posts work) and, while
// /exec calls run, up to 4 "tool" threads. Bindings and `ochopod run` fill a
// PodSettings; models provide the Controller and the LeaderWork through
// factories, since they are built on the pieces below.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "runtime/base/event_loop.h"
#include "runtime/control/request.h"
#include "runtime/control/server.h"
#include "runtime/control/tool_box.h"
#include "runtime/pod/hints.h"
#include "runtime/pod/metrics.h"
#include "runtime/pod/settings.h"
#include "runtime/process/reaper.h"
#include "runtime/zk/coordinator.h"
#include "runtime/zk/presence.h"

namespace ochopod {

// What the factories get to build the models on.
struct PodServices {
  const PodSettings& settings;
  const std::string& uuid;
  Scheduler& lifecycle_loop;    // the controller's thread (docs/internals.md, "Threads and owners")
  Scheduler& coordinator_loop;  // the leader work's thread
  Hints& hints;
  Reaper& reaper;
  Metrics& metrics;    // what GET /metrics shows; each part counts its own
  Presence& presence;  // stepping out of the dependents' view and back (presence.h)
  // The pod's work is over (an exit policy): stop the pod as SIGTERM would,
  // then exit with the controller's exit_code(). Any thread; returns at once.
  std::function<void()> end_pod;
};

// What the models and the caller plug into the runtime, built once the
// runtime's pieces exist.
struct PodParts {
  // Mandatory: runs /control requests (models: PipedController).
  std::function<std::unique_ptr<Controller>(PodServices&)> controller;
  // The leader's work (models: ReactiveLeader); none: leading does nothing.
  std::function<std::unique_ptr<LeaderWork>(PodServices&)> leader_work;
  // Registers the /exec tools; none: every /exec is 404.
  std::function<void(PodServices&, ToolBox&)> tools;
};

// Runs the pod until SIGTERM or SIGINT (a second one skips the rest of the
// stop's grace) or its controller ends it; returns the process exit code,
// the controller's exit_code(). Call
// SignalThread::block_signals() first thing in main(), and start no thread
// before this: as PID 1 it forks the reaper off first (pid1.h).
int run_pod(const PodSettings& settings, const PodParts& parts);

// The control port's options the settings give (run_pod's server).
ControlServer::Options server_options(const PodSettings& settings);

}  // namespace ochopod
