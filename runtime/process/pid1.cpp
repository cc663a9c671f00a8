#include "runtime/process/pid1.h"

#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <initializer_list>

#include "runtime/base/wait_status.h"

namespace ochopod {

namespace {

// Everything but what cannot be caught and what only a fault of our own
// raises (those must keep killing us, as for tini).
sigset_t reaper_signals() {
  sigset_t set;
  sigfillset(&set);
  for (int sig : {SIGKILL, SIGSTOP, SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP, SIGSYS}) {
    sigdelset(&set, sig);
  }
  return set;
}

// The reaper: single-threaded; it logs through the logger the pod set up
// before the fork (in the pod's format: --log-format json covers it too).
[[noreturn]] void reap_and_forward(pid_t runtime, const sigset_t& set) {
  for (;;) {
    siginfo_t info;
    const int sig = ::sigwaitinfo(&set, &info);
    if (sig < 0) {
      if (errno != EINTR) {
        spdlog::error("ochopod pid 1: sigwaitinfo failed: {}", std::strerror(errno));
        ::usleep(100 * 1000);
      }
      continue;
    }
    if (sig != SIGCHLD) {
      if (::kill(runtime, sig) != 0 && errno != ESRCH) {
        spdlog::warn("ochopod pid 1: cannot forward signal {}: {}", sig, std::strerror(errno));
      }
      continue;
    }
    for (;;) {
      int status = 0;
      const pid_t pid = ::waitpid(-1, &status, WNOHANG);
      if (pid <= 0) break;
      if (pid != runtime) {
        spdlog::info("ochopod pid 1: reaped orphan pid {} ({})", pid, describe_wait_status(status));
        continue;
      }
      // Our exit ends the namespace: the kernel kills what is left in it.
      spdlog::default_logger()->flush();
      std::fflush(stderr);
      std::_Exit(shell_exit_code(status).value_or(128));
    }
  }
}

}  // namespace

void split_if_pid1() {
  if (::getpid() != 1) return;
  const sigset_t set = reaper_signals();
  sigset_t runtime_mask;
  // Blocked before the fork: nothing sent in between is lost to either side.
  ::sigprocmask(SIG_BLOCK, &set, &runtime_mask);
  const pid_t runtime = ::fork();
  if (runtime < 0) {
    spdlog::error(
        "ochopod pid 1: cannot fork the runtime ({}); running as PID 1 itself, orphans are not "
        "reaped",
        std::strerror(errno));
    ::sigprocmask(SIG_SETMASK, &runtime_mask, nullptr);
    return;
  }
  if (runtime == 0) {
    // Our own process group, the terminal's foreground one if there is a
    // terminal (tini's isolate_child): a Ctrl-C reaches the runtime once,
    // not twice (directly and forwarded), which would skip the stop's grace.
    // SIGTTOU is still blocked here, so tcsetpgrp() is allowed.
    ::setpgid(0, 0);
    if (::isatty(STDIN_FILENO) && ::tcsetpgrp(STDIN_FILENO, ::getpgrp()) != 0 && errno != ENOTTY) {
      spdlog::warn("ochopod pid 1: cannot give the terminal to the runtime: {}",
                   std::strerror(errno));
    }
    ::sigprocmask(SIG_SETMASK, &runtime_mask, nullptr);
    // Should the reaper die, the runtime goes too (the namespace would anyway).
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != 1) std::_Exit(1);
    return;
  }
  reap_and_forward(runtime, set);
}

}  // namespace ochopod
