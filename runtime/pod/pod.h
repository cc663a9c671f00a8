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

#include <chrono>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "runtime/base/event_loop.h"
#include "runtime/control/request.h"
#include "runtime/control/server.h"
#include "runtime/control/tool_box.h"
#include "runtime/http/client.h"
#include "runtime/pod/hints.h"
#include "runtime/pod/log.h"
#include "runtime/pod/metrics.h"
#include "runtime/process/reaper.h"
#include "runtime/zk/acl.h"
#include "runtime/zk/address.h"
#include "runtime/zk/coordinator.h"
#include "runtime/zk/presence.h"

namespace ochopod {

// How the control plane is protected (docs/protocol.md, "Security"); all
// empty: as Python pods, plain HTTP and no token.
struct ControlSecurity {
  std::string token;              // required of every caller, sent in every round
  std::string tls_cert, tls_key;  // PEM files: the control port speaks HTTPS
  std::string tls_ca;             // the CA the pods this one calls must chain to

  // What the leader's rounds and checks present to other pods.
  HttpTrust trust() const { return {token, tls_ca}; }
};

struct PodSettings {
  std::string cluster = "default";
  std::string ns = "marathon";
  std::optional<ZkAddress> zk;          // none: solo, the pod leads itself
  ZkAclMode zk_acl = ZkAclMode::kOpen;  // of the cluster's nodes (ochopod_zk_acl)
  std::string bind = "0.0.0.0";
  int listen_port = 8080;  // where the control port listens
  std::chrono::milliseconds session_timeout{5000};
  nlohmann::json registration = nlohmann::json::object();  // without seq
  nlohmann::json dependencies = nlohmann::json::array();   // the model's depends_on
  bool start = true;                                       // ochopod_start
  log::Options log;
  size_t max_body = 1 << 20;
  ControlSecurity security;
  // The pod's own stop (docs/lifecycle.md, "The pod process itself"): once
  // out of its dependents' view, how long it keeps serving before it drains
  // and stops its child; and the whole stop's budget (zero: none, each step
  // bounded by its own setting).
  std::chrono::milliseconds leave_delay{0};
  std::chrono::milliseconds stop_timeout{0};

  std::string full_name() const { return ns + "." + cluster; }
};

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
// stop's grace); returns the process exit code. Call
// SignalThread::block_signals() first thing in main(), and start no thread
// before this: as PID 1 it forks the reaper off first (pid1.h).
int run_pod(const PodSettings& settings, const PodParts& parts);

}  // namespace ochopod
