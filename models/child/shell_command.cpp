// run_shell_command(): waits for its own child by pid (a pidfd in the poll
// loop), so it needs no Reaper and works from any thread.
#include "ochopod/shell_command.h"

#include <poll.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>

#include "models/child/spawn.h"
#include "ochopod/tool.h"
#include "runtime/process/guardian.h"

namespace ochopod {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

constexpr size_t kMaxCapture = 1024 * 1024;
constexpr auto kKillWait = 5s;
constexpr auto kNoPidfdPoll = 20ms;  // how often to look for the exit without a pidfd

// Reads one stream to EOF (without blocking), keeping at most kMaxCapture bytes.
struct Capture {
  detail::UniqueFd fd;
  std::string text;
  bool eof = false;

  void read_available() {
    char buf[4096];
    while (!eof) {
      const ssize_t n = ::read(fd.get(), buf, sizeof buf);
      if (n > 0) {
        text.append(buf, std::min(static_cast<size_t>(n),
                                  kMaxCapture - std::min(kMaxCapture, text.size())));
      } else if (n < 0 && errno == EINTR) {
        continue;
      } else if (n < 0 && errno == EAGAIN) {
        return;
      } else {
        eof = true;
      }
    }
  }
};

int poll_ms(Clock::duration wait) {
  return static_cast<int>(
      std::chrono::ceil<std::chrono::milliseconds>(std::max<Clock::duration>(wait, 0ms)).count());
}

// Our child, waited for by pid: readable pidfd = exited (kernel >= 5.3;
// without one, a short poll interval instead).
class OwnChild {
 public:
  explicit OwnChild(pid_t pid)
      : pid_(pid), pidfd_(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0))) {}

  pid_t pid() const { return pid_; }
  int pidfd() const { return pidfd_.get(); }
  const std::optional<int>& status() const { return status_; }

  // Takes the exit status if the child has exited. Non-blocking.
  bool reaped() {
    if (status_) return true;
    int status = 0;
    pid_t r;
    do {
      r = ::waitpid(pid_, &status, WNOHANG);
    } while (r < 0 && errno == EINTR);
    if (r == pid_) {
      status_ = status;
    } else if (r < 0) {
      spdlog::error("command pid {}: waitpid failed: {}", pid_, std::strerror(errno));
      status_ = -1;
    }
    return status_.has_value();
  }

  bool wait_until(Clock::time_point limit) {
    for (;;) {
      if (reaped()) return true;
      const auto now = Clock::now();
      if (now >= limit) return false;
      pollfd p{pidfd_.get(), POLLIN, 0};
      const auto wait = pidfd_ ? limit - now : std::min<Clock::duration>(limit - now, kNoPidfdPoll);
      ::poll(&p, pidfd_ ? 1 : 0, poll_ms(wait));
    }
  }

 private:
  pid_t pid_;
  detail::UniqueFd pidfd_;
  std::optional<int> status_;
};

}  // namespace

bool CommandResult::succeeded() const {
  return !timed_out && WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0;
}

CommandResult run_shell_command(const std::string& cmd, std::chrono::duration<double> timeout) {
  const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(timeout);
  detail::SpawnRequest request;
  request.argv = {"/bin/sh", "-c", cmd};
  request.output = detail::Output::separate;
  request.null_stdin = true;
  auto spawned = detail::spawn_unwatched(request);
  OwnChild child(spawned.pid);
  const pid_t pid = spawned.pid;
  // Inside an /exec call, a caller that hangs up or the pod's stop kills
  // the group now rather than at the timeout. Held until the return, as the
  // group's last kill below.
  const ToolCancelHook cancelled = on_tool_cancel([pid] { ::kill(-pid, SIGKILL); });

  // Both streams and the exit in one loop: reading one stream to EOF first
  // could deadlock on the other filling up. Stop at EOF of both, or once the
  // shell is gone and the pipes hold nothing more (something it started may
  // keep them open).
  Capture out{std::move(spawned.out), {}, false};
  Capture err{std::move(spawned.err), {}, false};
  CommandResult result;
  while (!(out.eof && err.eof)) {
    const auto now = Clock::now();
    if (now >= deadline) {
      result.timed_out = true;
      break;
    }
    const bool done = child.reaped();
    pollfd fds[3] = {{out.eof ? -1 : out.fd.get(), POLLIN, 0},
                     {err.eof ? -1 : err.fd.get(), POLLIN, 0},
                     {done ? -1 : child.pidfd(), POLLIN, 0}};
    const auto wait = done ? Clock::duration(0)
                      : child.pidfd() >= 0
                          ? deadline - now
                          : std::min<Clock::duration>(deadline - now, kNoPidfdPoll);
    const int ready = ::poll(fds, 3, poll_ms(wait));
    if (ready < 0 && errno != EINTR) {
      spdlog::error("command pid {}: poll failed: {}", pid, std::strerror(errno));
      break;
    }
    if (ready == 0 && done) break;
    out.read_available();
    err.read_available();
  }

  if (!result.timed_out && !child.wait_until(deadline)) result.timed_out = true;
  if (result.timed_out) {
    spdlog::warn("command timed out after {} s, killing its group: {}", timeout.count(), cmd);
    ::kill(-pid, SIGKILL);
    if (!child.wait_until(Clock::now() + kKillWait)) {
      spdlog::error("command pid {} did not exit {} s after SIGKILL: {}", pid,
                    std::chrono::duration<double>(kKillWait).count(), cmd);
    }
  }
  result.wait_status = child.status().value_or(-1);
  // Leftovers of the group (a background job) go with the command.
  if (::kill(-pid, 0) == 0) ::kill(-pid, SIGKILL);
  // Reaped: the guardian forgets the group once it is empty.
  Guardian::process().release(pid);
  out.read_available();
  err.read_available();
  result.out = std::move(out.text);
  result.err = std::move(err.text);
  return result;
}

}  // namespace ochopod
