#include "runtime/process/signals.h"

#include <pthread.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>

namespace ochopod {

namespace {

constexpr int kForwarded[] = {SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, SIGCONT};
// A failing poll is retried after this, so a persistent failure cannot spin.
constexpr auto kRetryAfter = std::chrono::milliseconds(100);

sigset_t pod_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGCHLD);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  for (int sig : kForwarded) sigaddset(&set, sig);
  return set;
}

bool forwarded(int sig) {
  for (int f : kForwarded)
    if (f == sig) return true;
  return false;
}

}  // namespace

void SignalThread::block_signals() {
  sigset_t set = pod_signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

SignalThread::SignalThread(Reaper& reaper, OnSignal on_stop, OnSignal on_forward, PollFn poll)
    : reaper_(reaper),
      on_stop_(std::move(on_stop)),
      on_forward_(std::move(on_forward)),
      poll_(poll) {
  sigset_t set = pod_signals();
  signal_fd_ = ::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (signal_fd_ < 0 || wake_fd_ < 0) {
    throw std::runtime_error(std::string("signalfd/eventfd failed: ") + std::strerror(errno));
  }
  thread_ = std::thread([this] { run(); });
}

SignalThread::~SignalThread() {
  const uint64_t one = 1;
  if (::write(wake_fd_, &one, sizeof one) < 0) spdlog::warn("signals: wake-up write failed");
  if (thread_.joinable()) thread_.join();
  ::close(signal_fd_);
  ::close(wake_fd_);
}

void SignalThread::run() {
  pthread_setname_np(pthread_self(), "signals");
  // Children that died before we started listening left no pending signal
  // for the signalfd to report if the signal was merged: reap once up front.
  reaper_.reap();
  pollfd fds[2] = {{signal_fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
  int failures = 0;  // in a row: logged at the first and every 100th
  for (;;) {
    if (poll_(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      if (failures++ % 100 == 0) {
        spdlog::error("signals: poll failed ({} in a row): {}; retrying", failures,
                      std::strerror(errno));
      }
      // Reap anyway: a SIGCHLD may be what we failed to wait for.
      reaper_.reap();
      std::this_thread::sleep_for(kRetryAfter);
      continue;
    }
    if (failures > 0) spdlog::info("signals: poll works again after {} failure(s)", failures);
    failures = 0;
    if (fds[1].revents & POLLIN) return;
    signalfd_siginfo info;
    bool child = false;
    for (;;) {
      const ssize_t n = ::read(signal_fd_, &info, sizeof info);
      if (n != static_cast<ssize_t>(sizeof info)) {
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno != EAGAIN) {
          spdlog::error("signals: signalfd read failed: {}", std::strerror(errno));
        }
        break;
      }
      const int sig = static_cast<int>(info.ssi_signo);
      if (sig == SIGCHLD) {
        child = true;
      } else if (forwarded(sig)) {
        spdlog::debug("signal {} ({}) received from pid {}", sig, strsignal(sig), info.ssi_pid);
        if (on_forward_) {
          on_forward_(sig);
        } else {
          spdlog::info("signal {} ({}) received; nothing to forward it to", sig, strsignal(sig));
        }
      } else {
        spdlog::info("signal {} ({}) received", sig, strsignal(sig));
        if (on_stop_) on_stop_(sig);
      }
    }
    if (child) reaper_.reap();
  }
}

}  // namespace ochopod
