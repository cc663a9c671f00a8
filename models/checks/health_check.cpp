// health_check() and its target parser: the probes themselves (a TCP
// connect, one HTTP GET through the runtime's client).
#include "models/checks/health_check.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "runtime/base/numbers.h"
#include "runtime/base/unique_fd.h"
#include "runtime/http/client.h"

namespace ochopod {

namespace {

// An IP literal, never a name: inet_pton does no lookup.
std::optional<std::string> numeric_host(std::string_view host) {
  if (host == "localhost") return std::string("127.0.0.1");
  std::string text(host);
  unsigned char buf[sizeof(in6_addr)];
  if (text.size() > 2 && text.front() == '[' && text.back() == ']') {
    text = text.substr(1, text.size() - 2);
    if (::inet_pton(AF_INET6, text.c_str(), buf) == 1) return text;
    return std::nullopt;
  }
  if (::inet_pton(AF_INET, text.c_str(), buf) == 1) return text;
  return std::nullopt;
}

std::optional<std::string> tcp_check(const HealthTarget& target,
                                     std::chrono::duration<double> timeout) {
  const bool v6 = target.host.find(':') != std::string::npos;
  sockaddr_storage storage{};
  socklen_t size = 0;
  if (v6) {
    auto* addr = reinterpret_cast<sockaddr_in6*>(&storage);
    addr->sin6_family = AF_INET6;
    addr->sin6_port = htons(static_cast<uint16_t>(target.port));
    ::inet_pton(AF_INET6, target.host.c_str(), &addr->sin6_addr);
    size = sizeof *addr;
  } else {
    auto* addr = reinterpret_cast<sockaddr_in*>(&storage);
    addr->sin_family = AF_INET;
    addr->sin_port = htons(static_cast<uint16_t>(target.port));
    ::inet_pton(AF_INET, target.host.c_str(), &addr->sin_addr);
    size = sizeof *addr;
  }
  detail::UniqueFd fd(
      ::socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd) return std::string("socket: ") + std::strerror(errno);
  const std::string where =
      (v6 ? "[" + target.host + "]" : target.host) + ":" + std::to_string(target.port);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&storage), size) == 0) return std::nullopt;
  if (errno != EINPROGRESS) return where + ": " + std::strerror(errno);
  pollfd p{fd.get(), POLLOUT, 0};
  const int ms = static_cast<int>(std::chrono::duration<double, std::milli>(timeout).count());
  const int ready = ::poll(&p, 1, ms);
  if (ready == 0) return where + ": connect timed out";
  if (ready < 0) return where + ": poll: " + std::strerror(errno);
  int error = 0;
  socklen_t len = sizeof error;
  ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &error, &len);
  if (error != 0) return where + ": " + std::strerror(error);
  return std::nullopt;
}

std::optional<std::string> http_check(const HealthTarget& target,
                                      std::chrono::duration<double> timeout) {
  HttpRequest request;
  request.method = HttpRequest::Method::kGet;
  request.path = target.path;
  request.timeout = timeout;
  const HttpAnswer answer = http_send(target.host, target.port, request);
  if (answer.status == 0) return answer.error;
  if (answer.status < 200 || answer.status > 299) return "HTTP " + std::to_string(answer.status);
  return std::nullopt;
}

}  // namespace

std::optional<HealthTarget> parse_health_target(const std::string& spec, std::string* error) {
  auto fail = [&](const std::string& why) -> std::optional<HealthTarget> {
    if (error) *error = why;
    return std::nullopt;
  };
  HealthTarget target;
  std::string_view authority;
  if (spec.starts_with("http://")) {
    target.kind = HealthTarget::Kind::http;
    const std::string_view rest = std::string_view(spec).substr(7);
    const size_t slash = rest.find('/');
    authority = rest.substr(0, slash);
    if (slash != std::string_view::npos) target.path = std::string(rest.substr(slash));
  } else if (spec.starts_with("tcp:")) {
    authority = std::string_view(spec).substr(4);
    if (authority.find(':') == std::string_view::npos) {
      const auto port = parse_port(authority);
      if (!port) return fail("bad port");
      target.port = *port;
      return target;
    }
  } else {
    return fail("expected http://<ip>:<port>/<path> or tcp:<port>");
  }
  const size_t colon = authority.rfind(':');
  if (authority.empty() || colon == std::string_view::npos || authority.back() == ']') {
    return fail("no port");
  }
  const auto port = parse_port(authority.substr(colon + 1));
  if (!port) return fail("bad port");
  const auto host = numeric_host(authority.substr(0, colon));
  if (!host) {
    return fail("'" + std::string(authority.substr(0, colon)) +
                "' is not an IP address (no name lookups: use 127.0.0.1, [::1] or localhost)");
  }
  target.host = *host;
  target.port = *port;
  return target;
}

std::optional<std::string> health_check(const std::string& spec,
                                        std::chrono::duration<double> timeout) {
  std::string error;
  const auto target = parse_health_target(spec, &error);
  if (!target) return "'" + spec + "': " + error;
  if (target->kind == HealthTarget::Kind::http) return http_check(*target, timeout);
  return tcp_check(*target, timeout);
}

}  // namespace ochopod
