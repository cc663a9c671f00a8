#include "harness/ports.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace ochopod::test {

namespace {

// Binds a fresh socket to 127.0.0.1:0 and returns {fd, port}; the caller closes fd.
std::pair<int, int> bind_any() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    const int err = errno;
    ::close(fd);
    throw std::system_error(err, std::generic_category(), "bind 127.0.0.1:0");
  }
  return {fd, ntohs(addr.sin_port)};
}

}  // namespace

int free_port() {
  auto [fd, port] = bind_any();
  ::close(fd);
  return port;
}

std::vector<int> free_ports(int n) {
  std::vector<int> fds;
  std::vector<int> ports;
  try {
    for (int i = 0; i < n; ++i) {
      auto [fd, port] = bind_any();
      fds.push_back(fd);
      ports.push_back(port);
    }
  } catch (...) {
    for (int fd : fds) ::close(fd);
    throw;
  }
  for (int fd : fds) ::close(fd);
  return ports;
}

}  // namespace ochopod::test
