#include "harness/four_letter.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <sstream>

namespace ochopod::test {

namespace {

using Clock = std::chrono::steady_clock;

int millis_left(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() > 0 ? static_cast<int>(left.count()) : 0;
}

// Waits for events on fd until the deadline; false on timeout or error.
bool wait_for(int fd, short events, Clock::time_point deadline) {
  while (true) {
    pollfd p{fd, events, 0};
    const int r = ::poll(&p, 1, millis_left(deadline));
    if (r > 0) return true;
    if (r == 0 || errno != EINTR) return false;
  }
}

struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

std::string four_letter(int port, const std::string& word, std::chrono::milliseconds timeout) {
  TcpExchange exchange = tcp_exchange(port, word, timeout);
  return exchange.closed ? std::move(exchange.answer) : std::string();  // no EOF: no answer
}

TcpExchange tcp_exchange(int port, const std::string& bytes, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  TcpExchange exchange;
  Fd s{::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)};
  if (s.fd < 0) return exchange;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (::connect(s.fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    if (errno != EINPROGRESS || !wait_for(s.fd, POLLOUT, deadline)) return exchange;
    int err = 0;
    socklen_t len = sizeof(err);
    if (::getsockopt(s.fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) return exchange;
  }
  size_t sent = 0;
  while (sent < bytes.size()) {
    if (!wait_for(s.fd, POLLOUT, deadline)) return exchange;
    const ssize_t n = ::send(s.fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno != EINTR && errno != EAGAIN) return exchange;
    if (n > 0) sent += static_cast<size_t>(n);
  }
  while (wait_for(s.fd, POLLIN, deadline)) {
    char buf[4096];
    const ssize_t n = ::recv(s.fd, buf, sizeof(buf), 0);
    if (n > 0) {
      exchange.answer.append(buf, static_cast<size_t>(n));
    } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
      exchange.closed = true;  // a reset after the answer keeps what came
      return exchange;
    }
  }
  return exchange;
}

std::map<std::string, std::string> parse_mntr(const std::string& text) {
  std::map<std::string, std::string> values;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    const size_t tab = line.find('\t');
    if (tab == std::string::npos) continue;
    values[line.substr(0, tab)] = line.substr(tab + 1);
  }
  return values;
}

}  // namespace ochopod::test
