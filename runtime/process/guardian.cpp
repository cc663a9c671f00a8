#include "runtime/process/guardian.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "runtime/base/wait_status.h"

namespace ochopod {

namespace guardian {

std::array<unsigned char, kMessageSize> encode(const Message& message) {
  std::array<unsigned char, kMessageSize> frame{};
  const auto op = static_cast<std::uint32_t>(message.op);
  const auto pgid = static_cast<std::int32_t>(message.pgid);
  std::memcpy(frame.data(), &op, 4);
  std::memcpy(frame.data() + 4, &pgid, 4);
  return frame;
}

std::optional<Message> decode(const unsigned char* data, std::size_t size) {
  if (data == nullptr || size != kMessageSize) return std::nullopt;
  std::uint32_t op = 0;
  std::int32_t pgid = 0;
  std::memcpy(&op, data, 4);
  std::memcpy(&pgid, data + 4, 4);
  // kill(-1) and kill(0) mean everything and our own group: never a pgid.
  if (pgid <= 1) return std::nullopt;
  if (op != static_cast<std::uint32_t>(Op::watch) && op != static_cast<std::uint32_t>(Op::release))
    return std::nullopt;
  return Message{static_cast<Op>(op), static_cast<pid_t>(pgid)};
}

void WatchSet::apply(const Message& message) {
  auto it = std::find_if(entries_.begin(), entries_.end(),
                         [&](const Entry& e) { return e.pgid == message.pgid; });
  if (message.op == Op::watch) {
    if (it == entries_.end()) {
      entries_.push_back(Entry{message.pgid, 1});
    } else {
      ++it->held;
    }
  } else if (it != entries_.end() && it->held > 0) {
    --it->held;  // dropped by the next sweep once the group is empty
  }
}

void WatchSet::sweep(const Exists& exists) {
  std::erase_if(entries_, [&](const Entry& e) { return e.held == 0 && !exists(e.pgid); });
}

bool WatchSet::pending() const {
  return std::any_of(entries_.begin(), entries_.end(), [](const Entry& e) { return e.held == 0; });
}

std::vector<pid_t> WatchSet::groups() const {
  std::vector<pid_t> out;
  out.reserve(entries_.size());
  for (const auto& e : entries_) out.push_back(e.pgid);
  return out;
}

}  // namespace guardian

namespace {

constexpr int kSweepMs = 100;  // while a released group still has members

bool group_exists(pid_t pgid) { return ::kill(-pgid, 0) == 0 || errno != ESRCH; }

// The guardian's whole life. No logging: nothing it could say is worth a
// line in the pod's log, and the pod may be gone.
[[noreturn]] void guard(int fd) {
  guardian::WatchSet groups;
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    const int ready = ::poll(&p, 1, groups.pending() ? kSweepMs : -1);
    if (ready > 0) {
      unsigned char frame[2 * guardian::kMessageSize];
      const ssize_t n = ::recv(fd, frame, sizeof frame, 0);
      if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) {
        // EOF: the pod is gone (or has stopped). No leftovers.
        for (pid_t pgid : groups.groups()) ::kill(-pgid, SIGKILL);
        ::_exit(0);
      }
      if (n > 0) {
        if (auto message = guardian::decode(frame, static_cast<std::size_t>(n))) {
          groups.apply(*message);
        }
      }
    }
    groups.sweep(group_exists);
  }
}

// In the forked guardian, before guard().
void become_guardian(int fd) {
  sigset_t all;
  ::sigfillset(&all);
  ::sigprocmask(SIG_SETMASK, &all, nullptr);
  ::setpgid(0, 0);
  ::prctl(PR_SET_NAME, kGuardianName, 0, 0, 0);
  // Nothing of the pod's but stderr (for a sanitizer's report): no pipe a
  // reader waits on stays open in here, and our socket end becomes fd 3.
  const int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  if (null >= 0) {
    ::dup2(null, STDIN_FILENO);
    ::dup2(null, STDOUT_FILENO);
  }
  if (fd != 3) {
    ::dup2(fd, 3);
    fd = 3;
  }
  ::fcntl(fd, F_SETFD, FD_CLOEXEC);
  ::close_range(4, ~0U, 0);
}

}  // namespace

Guardian& Guardian::process() {
  static Guardian guardian;
  return guardian;
}

bool Guardian::start() {
  if (fd_.load() >= 0) return true;
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) != 0) {
    spdlog::error("guardian: socketpair failed ({}); a SIGKILLed pod leaves its children's groups",
                  std::strerror(errno));
    return false;
  }
  const pid_t pid = ::fork();
  if (pid < 0) {
    spdlog::error("guardian: fork failed ({}); a SIGKILLed pod leaves its children's groups",
                  std::strerror(errno));
    ::close(fds[0]);
    ::close(fds[1]);
    return false;
  }
  if (pid == 0) {
    ::close(fds[0]);
    become_guardian(fds[1]);
    guard(3);
  }
  ::close(fds[1]);
  pid_ = pid;
  fd_.store(fds[0]);
  spdlog::info("guardian (pid {}) kills the pod's process groups should the pod die", pid);
  return true;
}

void Guardian::send(const guardian::Message& message) {
  const int fd = fd_.load();
  if (fd < 0 || message.pgid <= 1) return;
  const auto frame = guardian::encode(message);
  ssize_t n;
  do {
    n = ::send(fd, frame.data(), frame.size(), MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  if (n < 0 && !broken_.exchange(true)) {
    spdlog::error(
        "guardian (pid {}) unreachable ({}): a SIGKILLed pod leaves its children's groups", pid_,
        std::strerror(errno));
  }
}

void Guardian::watch(pid_t pgid) { send({guardian::Op::watch, pgid}); }

void Guardian::release(pid_t pgid) { send({guardian::Op::release, pgid}); }

void Guardian::stop() {
  const int fd = fd_.exchange(-1);
  if (fd < 0) return;
  ::close(fd);
  int status = 0;
  pid_t r;
  do {
    r = ::waitpid(pid_, &status, 0);
  } while (r < 0 && errno == EINTR);
  if (r == pid_) {
    spdlog::info("guardian (pid {}) reaped ({})", pid_, describe_wait_status(status));
  } else {
    spdlog::error("guardian (pid {}): waitpid failed: {}", pid_, std::strerror(errno));
  }
  pid_ = 0;
}

}  // namespace ochopod
