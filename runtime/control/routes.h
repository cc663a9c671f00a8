// The control port's paths (docs/protocol.md 5 and 7): which endpoint a
// request's path names, which methods each takes, and what a
// /control/<task>[/<timeout>] path says.
//
// The control server (server.cpp) asks on its I/O thread, from a request's
// header on: the token rule and the /metrics label need the endpoint before
// the body is read. Pure functions, any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ochopod {

enum class Endpoint { kUnknown, kHealthz, kReadyz, kInfo, kLog, kMetrics, kReset, kExec, kControl };
enum class Method { kGet, kHead, kPost, kOther };

// The probes the server answers: only those with a handler are endpoints
// (else 404, and the token rule holds for them).
struct Probes {
  bool healthz = false;
  bool readyz = false;
};

// The endpoint a path (without its query) names; kUnknown answers 404.
Endpoint endpoint_of(std::string_view path, Probes probes);

// /healthz and /readyz: answered without the token, and they take no body.
bool is_probe(Endpoint endpoint);

// Whether the endpoint takes that method (else 405): the probes GET and HEAD,
// /metrics GET (Prometheus' path), /info and /log GET or POST, the
// protocol's other paths POST.
bool accepts(Endpoint endpoint, Method method);

// "/control/<task>[/<timeout>]" -> task and timeout, or the HTTP error code.
struct ParsedControlPath {
  int error = 0;  // 0, 400 or 404
  std::string task;
  double timeout_seconds = 60;

  // What /metrics counts a /control request under: its task, or "unknown"
  // when it names none (a label must not take whatever a client sends).
  std::string_view label() const;
};
ParsedControlPath parse_control_path(std::string_view path);

// A timeout in seconds as the control port takes it (URL or X-Timeout):
// a finite decimal number in [0, 86400], nothing else.
std::optional<double> parse_timeout_seconds(std::string_view text);

}  // namespace ochopod
