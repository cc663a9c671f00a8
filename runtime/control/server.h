// ControlServer: the pod's HTTP control port (docs/protocol.md 5).
//
// Event-driven, so slow or idle clients hold no thread: one "http" I/O
// thread (Boost.Asio/Beast) accepts connections, reads each request
// asynchronously within a deadline for the whole request, validates it and
// refuses what it cannot bound (bodies over the cap, chunked or compressed
// bodies), then hands complete requests to the handlers. /info, /log,
// /reset and the probes are answered on the I/O thread (they only read
// hints or post work), and so is GET /metrics, the one text/plain answer
// (Prometheus' format); /control and /exec get a Responder and answer later
// from their own threads (the lifecycle loop, the tool executor). While an
// /exec answer is pending its connection is watched, so that its handler
// hears of a caller that hangs up (Responder::on_hangup). Every other answer is
// application/json; every error body is {}. With a token, a request without
// it is refused from its header, before any body is read; only the probes,
// GET /healthz and GET /readyz, answer without it (200 or 503, body {},
// and they take no body). A /control request carrying a leader's fence
// below the highest accepted gets 409 {} from its header too (fence.h).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/control/request.h"
#include "runtime/control/tool_box.h"

namespace ochopod {

// An /exec call as the I/O thread read it.
struct ExecCall {
  std::string shell;  // the X-Shell line
  std::vector<Upload> uploads;
  // X-Timeout (seconds): may shorten the tool's own timeout, never lengthen it.
  std::optional<std::chrono::duration<double>> timeout;
};

// How a handler answers a request it took, from any thread. The first answer
// wins, later ones are ignored; a Responder dropped without an answer answers
// 500 (and logs it). Copies share one request.
class Responder {
 public:
  // A status other than 200 sends {} whatever body says.
  void reply(int status, const nlohmann::json& body = nlohmann::json::object()) const;
  void reply(const ControlReply& r) const { reply(r.code, r.body); }
  // Whether an answer was given (e.g. the timeout's, before the work began).
  bool answered() const;
  // Runs fn on the I/O thread after delay unless the request was answered by
  // then (one pending `after` per request). fn must not block.
  void after(std::chrono::duration<double> delay, std::function<void()> fn) const;
  // Runs fn once, on the I/O thread, if the caller closes its connection (or
  // half-closes it, or resets it) before the answer; the request then counts
  // as answered and later replies are dropped. At once, on this thread, if it
  // hung up already. One per request; fn must not block. Only /exec requests
  // are watched: fn never runs for others.
  void on_hangup(std::function<void()> fn) const;

  // Made by the control server only (State is private to it).
  struct State;
  explicit Responder(std::shared_ptr<State> state) : state_(std::move(state)) {}

 private:
  std::shared_ptr<State> state_;
};

struct ControlHandlers {
  // On the I/O thread: must be cheap and never block.
  std::function<nlohmann::json()> info;
  std::function<nlohmann::json()> log;
  std::function<void()> reset;
  // A /control request; timeout as given in the URL (default 60 s).
  std::function<void(ControlRequest, std::chrono::duration<double>, Responder)> control;
  // /exec (X-Shell present). Null: every call is 404.
  std::function<void(ExecCall, Responder)> exec;
  // GET /metrics, on the I/O thread: the Prometheus text exposition. Null: 404.
  std::function<std::string()> metrics;
  // On the I/O thread, once per /control request answered (401 included);
  // task is "unknown" for a task that is not one. May be null.
  std::function<void(std::string_view task, int code)> control_answered;
  // GET (or HEAD) /healthz and /readyz, on the I/O thread, cheap, never
  // blocking: true answers 200 {}, false 503 {}. Answered without the token.
  // Null: the path is unknown (404, and the token rule holds).
  std::function<bool()> healthz;
  std::function<bool()> readyz;
};

class ControlServer {
 public:
  struct Options {
    std::string bind = "0.0.0.0";
    int port = 8080;
    size_t max_body = 1 << 20;  // bytes
    // Open connections beyond this are closed at once.
    size_t max_connections = 256;
    // From the first byte a connection may send (or the end of the previous
    // answer, for keep-alive) to the end of a complete request; also bounds
    // writing an answer.
    std::chrono::milliseconds request_deadline{10000};
    // Not empty: every request, whatever its path or method, must carry
    // "Authorization: Bearer <token>", else 401 {} (docs/protocol.md,
    // "Security"); only the probes (/healthz, /readyz, when their handler is
    // set) are answered without it. Empty: no check, as Python pods.
    std::string token;
    // PEM files, both or neither: the port speaks HTTPS only.
    std::string tls_cert, tls_key;
  };

  ControlServer(Options options, ControlHandlers handlers);
  ~ControlServer();  // stops and joins

  // Binds and starts serving; false with *error set if the port is taken.
  bool start(std::string* error);
  void stop();
  int port() const;  // the bound port (useful with port 0)
  // Any thread: the pod registered anew with a node of that czxid; leader
  // fences above it are from a ZooKeeper history that ended (fence.h).
  void fences_restart_below(uint64_t zxid);

 private:
  bool load_tls(std::string* error);

  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ochopod
