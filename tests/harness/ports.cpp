#include "harness/ports.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <mutex>
#include <random>
#include <set>
#include <system_error>

namespace ochopod::test {

namespace {

// Below Linux's default ephemeral range (ip_local_port_range, 32768-60999)
// and above the well-known and registered ports services here listen on.
constexpr int kFirst = 12000;
constexpr int kLast = 32767;
constexpr int kTries = 1000;

// Whether 127.0.0.1:port can be bound now.
bool bindable(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

int free_port() {
  static std::mutex mu;
  static std::set<int> given;
  static std::mt19937 rng{std::random_device{}()};
  std::lock_guard<std::mutex> lock(mu);
  std::uniform_int_distribution<int> pick(kFirst, kLast);
  for (int i = 0; i < kTries; ++i) {
    const int port = pick(rng);
    if (given.count(port) || !bindable(port)) continue;
    given.insert(port);
    return port;
  }
  throw std::system_error(EADDRINUSE, std::generic_category(), "no free port on 127.0.0.1");
}

std::vector<int> free_ports(int n) {
  std::vector<int> ports;
  for (int i = 0; i < n; ++i) ports.push_back(free_port());
  return ports;
}

}  // namespace ochopod::test
