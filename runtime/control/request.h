// The language of /control: a request as the HTTP layer hands it to the
// lifecycle, and the reply it gets back (docs/protocol.md 5).
//
// The control server builds ControlRequests; the RequestQueue runs them one at
// a time through a Controller (implemented by models/, e.g. Piped).
#pragma once

#include <algorithm>
#include <array>
#include <chrono>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "runtime/control/body/payload.h"

namespace ochopod {

// Every task of /control/<task>: the server refuses others (400), and a
// Controller needs to know no other.
inline constexpr std::array<std::string_view, 6> kControlTasks = {"check", "on",   "off",
                                                                  "ok",    "kill", "signal"};
inline bool is_control_task(std::string_view task) {
  return std::find(kControlTasks.begin(), kControlTasks.end(), task) != kControlTasks.end();
}

struct ControlRequest {
  std::string task;  // one of kControlTasks
  Payload body;      // null when the POST had no body (payload.h)
  // When the caller stops waiting (the URL's timeout, from its arrival): a
  // reply that waits (an `on` for readiness) gives up by then. max: never.
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  bool from_leader() const { return body.has_pods(); }
};

struct ControlReply {
  int code = 200;  // HTTP status, docs/protocol.md 5
  nlohmann::json body = nlohmann::json::object();
};

// What runs control requests. Called only from the lifecycle thread, one
// request at a time, so implementations need no locking for their own state.
class Controller {
 public:
  virtual ~Controller() = default;

  // Runs one request to completion (it may take long: the HTTP caller gives
  // up after its timeout, the request still finishes).
  virtual ControlReply handle(const ControlRequest& request) = 0;

  // The form the RequestQueue calls: the reply goes to done, at once or later
  // from a task on the lifecycle loop (an `on` waiting for readiness, an
  // `off` draining connections), so the loop never blocks on such a wait.
  // The queue starts the next request only once done ran (requests stay
  // serialized); done must be called exactly once, also on shutdown().
  using Done = std::function<void(ControlReply)>;
  virtual void handle_async(const ControlRequest& request, Done done) { done(handle(request)); }

  // The pod is going away (SIGTERM/SIGINT): stop the child within its grace,
  // finalize. Called once, on the lifecycle thread, after the last request.
  // Nothing waits past deadline (the pod's stop budget; max: none).
  virtual void shutdown(std::chrono::steady_clock::time_point deadline) = 0;

  // A signal the pod got for its child (SIGHUP, SIGUSR1...): send it on to
  // the child's process group, if one runs. On the lifecycle thread.
  virtual void forward_signal(int signo) { (void)signo; }

  // A second SIGTERM/SIGINT while shutdown() runs: skip the rest of any
  // grace, SIGKILL at once. Called from the signal thread while the
  // lifecycle thread may be blocked in a stop: it must only set a flag and
  // wake that wait.
  virtual void hurry() {}

  // The pod's stop starts (main thread): nothing already waiting (a stop in
  // an off, a restart) may wait past deadline either. Like hurry(): only
  // set it and wake the waits.
  virtual void stop_by(std::chrono::steady_clock::time_point deadline) { (void)deadline; }

  // The code the pod process exits with, asked once shutdown() returned
  // (an exit policy: docs/lifecycle.md, "When the child ends").
  virtual int exit_code() const { return 0; }
};

}  // namespace ochopod
