#include "runtime/control/routes.h"

#include "runtime/base/numbers.h"
#include "runtime/control/request.h"

namespace ochopod {

namespace {

constexpr std::string_view kControl = "/control";

}  // namespace

Endpoint endpoint_of(std::string_view path, Probes probes) {
  if (path == "/healthz" && probes.healthz) return Endpoint::kHealthz;
  if (path == "/readyz" && probes.readyz) return Endpoint::kReadyz;
  if (path == "/info") return Endpoint::kInfo;
  if (path == "/log") return Endpoint::kLog;
  if (path == "/metrics") return Endpoint::kMetrics;
  if (path == "/reset") return Endpoint::kReset;
  if (path == "/exec") return Endpoint::kExec;
  if (path.starts_with(kControl) &&
      (path.size() == kControl.size() || path[kControl.size()] == '/')) {
    return Endpoint::kControl;
  }
  return Endpoint::kUnknown;
}

bool is_probe(Endpoint endpoint) {
  return endpoint == Endpoint::kHealthz || endpoint == Endpoint::kReadyz;
}

bool accepts(Endpoint endpoint, Method method) {
  switch (endpoint) {
    case Endpoint::kHealthz:
    case Endpoint::kReadyz:
      return method == Method::kGet || method == Method::kHead;
    case Endpoint::kMetrics:
      return method == Method::kGet;
    case Endpoint::kInfo:
    case Endpoint::kLog:
      return method == Method::kGet || method == Method::kPost;
    case Endpoint::kReset:
    case Endpoint::kExec:
    case Endpoint::kControl:
      return method == Method::kPost;
    case Endpoint::kUnknown:
      break;
  }
  return false;
}

std::string_view ParsedControlPath::label() const {
  return is_control_task(task) ? std::string_view(task) : "unknown";
}

ParsedControlPath parse_control_path(std::string_view path) {
  ParsedControlPath out;
  if (!path.starts_with(kControl) || path.size() == kControl.size() ||
      path[kControl.size()] != '/') {
    out.error = 404;
    return out;
  }
  const std::string_view rest = path.substr(kControl.size() + 1);
  const size_t slash = rest.find('/');
  out.task = std::string(rest.substr(0, slash));
  if (!is_control_task(out.task)) {
    out.error = 400;
    return out;
  }
  if (slash != std::string_view::npos) {
    const auto timeout = parse_timeout_seconds(rest.substr(slash + 1));
    if (timeout) {
      out.timeout_seconds = *timeout;
    } else {
      out.error = 400;
    }
  }
  return out;
}

std::optional<double> parse_timeout_seconds(std::string_view text) {
  const auto v = parse_c_decimal(text);
  if (!v || *v < 0 || *v > 86400) return std::nullopt;
  return v;
}

}  // namespace ochopod
