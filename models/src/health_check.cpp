// health_check(): kept apart from command_check.cpp because httplib.h is
// heavy to compile (PITFALLS.md).
#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

#include "ochopod/command_check.h"
#include "unique_fd.h"

namespace ochopod {

namespace {

std::optional<int> parse_port(std::string_view text) {
  int port = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
  if (ec != std::errc() || end != text.data() + text.size() || port <= 0 || port > 65535) {
    return std::nullopt;
  }
  return port;
}

std::optional<std::string> tcp_check(int port, std::chrono::duration<double> timeout) {
  detail::UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd) return std::string("socket: ") + std::strerror(errno);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const std::string where = "127.0.0.1:" + std::to_string(port);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0)
    return std::nullopt;
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

std::optional<std::string> http_check(const std::string& spec,
                                      std::chrono::duration<double> timeout) {
  constexpr std::string_view scheme = "http://";
  const std::string rest = spec.substr(scheme.size());
  const size_t slash = rest.find('/');
  const std::string authority = rest.substr(0, slash);
  const std::string path = slash == std::string::npos ? "/" : rest.substr(slash);
  const size_t colon = authority.rfind(':');
  if (colon == std::string::npos) return "'" + spec + "': no port";
  const auto port = parse_port(std::string_view(authority).substr(colon + 1));
  if (!port) return "'" + spec + "': bad port";
  httplib::Client client(authority.substr(0, colon), *port);
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(timeout);
  const auto sec = static_cast<time_t>(us.count() / 1000000);
  const auto usec = static_cast<time_t>(us.count() % 1000000);
  client.set_connection_timeout(sec, usec);
  client.set_read_timeout(sec, usec);
  client.set_write_timeout(sec, usec);
  auto response = client.Get(path);
  if (!response) return spec + ": " + httplib::to_string(response.error());
  if (response->status < 200 || response->status > 299) {
    return spec + ": HTTP " + std::to_string(response->status);
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> health_check(const std::string& spec,
                                        std::chrono::duration<double> timeout) {
  if (spec.rfind("http://", 0) == 0) return http_check(spec, timeout);
  if (spec.rfind("tcp:", 0) == 0) {
    const auto port = parse_port(std::string_view(spec).substr(4));
    if (!port) return "'" + spec + "': bad port";
    return tcp_check(*port, timeout);
  }
  return "'" + spec + "': expected http://127.0.0.1:<port>/<path> or tcp:<port>";
}

}  // namespace ochopod
