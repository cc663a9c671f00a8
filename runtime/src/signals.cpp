#include "ochopod/signals.h"

#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace ochopod {

namespace {
sigset_t pod_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGCHLD);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  return set;
}
}  // namespace

void SignalThread::block_signals() {
  sigset_t set = pod_signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

SignalThread::SignalThread(Reaper& reaper, OnStop on_stop)
    : reaper_(reaper), on_stop_(std::move(on_stop)) {
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
  for (;;) {
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      spdlog::error("signals: poll failed: {}", std::strerror(errno));
      return;
    }
    if (fds[1].revents & POLLIN) return;
    signalfd_siginfo info;
    bool child = false;
    while (::read(signal_fd_, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
      if (info.ssi_signo == SIGCHLD) {
        child = true;
      } else {
        spdlog::info("signal {} ({}) received", info.ssi_signo, strsignal(info.ssi_signo));
        if (on_stop_) on_stop_(static_cast<int>(info.ssi_signo));
      }
    }
    if (child) reaper_.reap();
  }
}

}  // namespace ochopod
