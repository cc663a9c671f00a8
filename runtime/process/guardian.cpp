#include "runtime/process/guardian.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "runtime/base/module.h"
#include "runtime/base/unique_fd.h"
#include "runtime/base/wait_status.h"

namespace ochopod {

namespace {

// The guardian's socket must not already be fd 3, where the spawn puts it:
// dup2 onto itself would keep its close-on-exec flag.
constexpr int kAboveGuardianFd = 10;

// posix_spawn's attributes and file actions, always destroyed.
class SpawnSetup {
 public:
  SpawnSetup() {
    ::posix_spawnattr_init(&attr_);
    ::posix_spawn_file_actions_init(&actions_);
  }
  ~SpawnSetup() {
    ::posix_spawn_file_actions_destroy(&actions_);
    ::posix_spawnattr_destroy(&attr_);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;

  // Every catchable signal blocked from its first instruction, its own
  // process group; /dev/null in, the pod's stderr, the socket as fd 3.
  int prepare(int guardian_fd) {
    sigset_t all;
    ::sigfillset(&all);
    int rc = ::posix_spawnattr_setsigmask(&attr_, &all);
    if (rc == 0) rc = ::posix_spawnattr_setpgroup(&attr_, 0);
    if (rc == 0) {
      rc = ::posix_spawnattr_setflags(&attr_, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETPGROUP);
    }
    if (rc == 0) {
      rc = ::posix_spawn_file_actions_addopen(&actions_, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    }
    if (rc == 0) {
      rc = ::posix_spawn_file_actions_addopen(&actions_, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    }
    if (rc == 0) {
      rc = ::posix_spawn_file_actions_adddup2(&actions_, guardian_fd, guardian::kSocketFd);
    }
    if (rc == 0) {
      rc = ::posix_spawn_file_actions_addclosefrom_np(&actions_, guardian::kSocketFd + 1);
    }
    return rc;
  }
  const posix_spawnattr_t* attr() const { return &attr_; }
  const posix_spawn_file_actions_t* actions() const { return &actions_; }

 private:
  posix_spawnattr_t attr_;
  posix_spawn_file_actions_t actions_;
};

// One frame on socket, retried when a signal interrupts it; false with
// errno set when it failed. Async-signal-safe: the vfork'd child sends
// with it too (Guardian::watch_own_group()).
bool send_frame(int socket, const guardian::Message& message) {
  const auto frame = guardian::encode(message);
  ssize_t n;
  do {
    n = ::send(socket, frame.data(), frame.size(), MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  return n >= 0;
}

}  // namespace

Guardian& Guardian::process() {
  static Guardian guardian;
  return guardian;
}

bool Guardian::start() {
  if (fd_.load() >= 0) return true;
  std::string why;
  const std::string program = installed_program(kGuardianName, &why);
  if (program.empty()) {
    spdlog::error("guardian: {}; a SIGKILLed pod leaves its children's groups", why);
    return false;
  }
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) != 0) {
    spdlog::error("guardian: socketpair failed ({}); a SIGKILLed pod leaves its children's groups",
                  std::strerror(errno));
    return false;
  }
  detail::UniqueFd pod_end(fds[0]);
  detail::UniqueFd guardian_end(fds[1]);
  int rc = 0;
  if (guardian_end.get() <= guardian::kSocketFd) {
    const int moved = ::fcntl(guardian_end.get(), F_DUPFD_CLOEXEC, kAboveGuardianFd);
    rc = moved < 0 ? errno : 0;
    guardian_end = detail::UniqueFd(moved);
  }
  SpawnSetup setup;
  if (rc == 0) rc = setup.prepare(guardian_end.get());
  pid_t pid = 0;
  if (rc == 0) {
    char* const argv[] = {const_cast<char*>(program.c_str()), nullptr};
    char* const no_environment[] = {nullptr};
    rc = ::posix_spawn(&pid, program.c_str(), setup.actions(), setup.attr(), argv, no_environment);
  }
  if (rc != 0) {
    spdlog::error("guardian: cannot spawn {} ({}); a SIGKILLed pod leaves its children's groups",
                  program, std::strerror(rc));
    return false;
  }
  pid_ = pid;
  fd_.store(pod_end.release());
  spdlog::info("guardian (pid {}) kills the pod's process groups should the pod die", pid);
  return true;
}

void Guardian::send(const guardian::Message& message) {
  const int fd = fd_.load();
  if (fd < 0 || message.pgid <= 1) return;
  if (!send_frame(fd, message) && !broken_.exchange(true)) {
    spdlog::error(
        "guardian (pid {}) unreachable ({}): a SIGKILLed pod leaves its children's groups", pid_,
        std::strerror(errno));
  }
}

void Guardian::use_socket(int pod_end) {
  stop();
  broken_.store(false);
  fd_.store(pod_end);
}

void Guardian::watch_own_group(int socket) {
  if (socket >= 0) send_frame(socket, {guardian::Op::watch, ::getpid()});
}

void Guardian::release(pid_t pgid) { send({guardian::Op::release, pgid}); }

void Guardian::stop() {
  const int fd = fd_.exchange(-1);
  if (fd < 0) return;
  ::close(fd);
  if (pid_ == 0) return;  // a test's socket (use_socket())
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
