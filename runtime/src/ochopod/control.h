// The language of /control: a request as the HTTP layer hands it to the
// lifecycle, and the reply it gets back (docs/protocol.md 5).
//
// The control server builds ControlRequests; the RequestQueue runs them one at
// a time through a Controller (implemented by models/, e.g. Piped).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace ochopod {

struct ControlRequest {
  std::string task;                    // check, on, off, ok, kill, signal
  std::optional<nlohmann::json> body;  // absent when the POST had no body
  bool from_leader() const { return body.has_value() && body->contains("pods"); }
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

  // The pod is going away (SIGTERM/SIGINT): stop the child within its grace,
  // finalize. Called once, on the lifecycle thread, after the last request.
  virtual void shutdown() = 0;

  // A signal the pod got for its child (SIGHUP, SIGUSR1...): send it on to
  // the child's process group, if one runs. On the lifecycle thread.
  virtual void forward_signal(int signo) { (void)signo; }

  // A second SIGTERM/SIGINT while shutdown() runs: skip the rest of any
  // grace, SIGKILL at once. Called from the signal thread while the
  // lifecycle thread may be blocked in a stop: it must only set a flag and
  // wake that wait.
  virtual void hurry() {}
};

}  // namespace ochopod
