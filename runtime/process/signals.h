// SignalThread: the one place the pod takes signals (no work in async
// handlers).
//
// main() calls block_signals() before any thread exists, so every thread
// inherits a mask with the pod's signals blocked; the "signals" thread then
// takes them from a signalfd: SIGCHLD -> Reaper::reap(); SIGTERM and SIGINT ->
// on_stop; SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH and SIGCONT (what tini
// forwards) -> on_forward, for the child's process group. Both callbacks run
// on the signal thread and must only post. Children get a clean mask back
// between fork and exec (see models/ spawn). The loop never ends before the
// destructor: a failing poll or read is logged and retried.
#pragma once

#include <poll.h>

#include <functional>
#include <thread>

#include "runtime/process/reaper.h"

namespace ochopod {

class SignalThread {
 public:
  using OnSignal = std::function<void(int signo)>;
  using PollFn = int (*)(pollfd*, nfds_t, int);  // ::poll; replaceable by tests

  // Blocks the pod's signals in the calling thread. Call first in main.
  static void block_signals();

  // Without on_forward, forwardable signals are logged and dropped.
  SignalThread(Reaper& reaper, OnSignal on_stop, OnSignal on_forward = {}, PollFn poll = ::poll);
  ~SignalThread();
  SignalThread(const SignalThread&) = delete;
  SignalThread& operator=(const SignalThread&) = delete;

 private:
  void run();

  Reaper& reaper_;
  OnSignal on_stop_;
  OnSignal on_forward_;
  PollFn poll_;
  int signal_fd_ = -1;
  int wake_fd_ = -1;  // eventfd: the destructor's way to end run()
  std::thread thread_;
};

}  // namespace ochopod
