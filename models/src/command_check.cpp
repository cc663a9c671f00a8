#include "ochopod/command_check.h"

#include <poll.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <memory>
#include <mutex>

#include "spawn.h"

namespace ochopod {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

constexpr size_t kMaxCapture = 1024 * 1024;
constexpr auto kKillWait = 5s;

// Filled by the Reaper's callback on the signal thread; shared because a
// timed-out wait may return before the callback runs.
struct ExitSlot {
  std::mutex mu;
  std::condition_variable cv;
  std::optional<int> status;
};

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

}  // namespace

bool CommandResult::succeeded() const {
  return !timed_out && WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0;
}

CommandResult run_shell_command(Reaper& reaper, const std::string& cmd,
                                std::chrono::duration<double> timeout) {
  const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(timeout);
  auto slot = std::make_shared<ExitSlot>();
  detail::SpawnRequest request;
  request.argv = {"/bin/sh", "-c", cmd};
  request.output = detail::Output::separate;
  request.null_stdin = true;
  auto spawned = detail::spawn_process(reaper, request, [slot](pid_t, int status) {
    std::lock_guard<std::mutex> lock(slot->mu);
    slot->status = status;
    slot->cv.notify_all();
  });
  const pid_t pid = spawned.pid;
  auto exited = [&] {
    std::lock_guard<std::mutex> lock(slot->mu);
    return slot->status.has_value();
  };

  // Both streams in one loop: reading one to EOF first could deadlock on the
  // other filling up. Stop at EOF of both, or once the shell is gone and the
  // pipes hold nothing more (something it started may keep them open).
  Capture out{std::move(spawned.out), {}, false};
  Capture err{std::move(spawned.err), {}, false};
  CommandResult result;
  while (!(out.eof && err.eof)) {
    const auto now = Clock::now();
    if (now >= deadline) {
      result.timed_out = true;
      break;
    }
    const bool done = exited();
    pollfd fds[2] = {{out.eof ? -1 : out.fd.get(), POLLIN, 0},
                     {err.eof ? -1 : err.fd.get(), POLLIN, 0}};
    const auto wait = std::min<Clock::duration>(deadline - now, done ? 0ms : 20ms);
    const int ready = ::poll(
        fds, 2, static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(wait).count()));
    if (ready < 0 && errno != EINTR) break;
    if (ready == 0 && done) break;
    out.read_available();
    err.read_available();
  }

  if (result.timed_out) {
    spdlog::warn("command timed out after {} s, killing its group: {}", timeout.count(), cmd);
    ::kill(-pid, SIGKILL);
  }
  {
    std::unique_lock<std::mutex> lock(slot->mu);
    const auto limit = std::max(deadline, Clock::now()) + (result.timed_out ? kKillWait : 0s);
    if (!slot->cv.wait_until(lock, limit, [&] { return slot->status.has_value(); })) {
      if (!result.timed_out) {
        result.timed_out = true;
        spdlog::warn("command timed out after {} s, killing its group: {}", timeout.count(), cmd);
        lock.unlock();
        ::kill(-pid, SIGKILL);
        lock.lock();
        slot->cv.wait_for(lock, kKillWait, [&] { return slot->status.has_value(); });
      }
    }
    result.wait_status = slot->status.value_or(-1);
    if (!slot->status) spdlog::error("command pid {} did not exit after SIGKILL: {}", pid, cmd);
  }
  // Leftovers of the group (a background job) go with the command.
  if (::kill(-pid, 0) == 0) ::kill(-pid, SIGKILL);
  out.read_available();
  err.read_available();
  result.out = std::move(out.text);
  result.err = std::move(err.text);
  return result;
}

}  // namespace ochopod
