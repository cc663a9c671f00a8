// SignalThread: the one place the pod takes signals (PITFALLS.md: no work in
// async handlers).
//
// main() calls block_signals() before any thread exists, so every thread
// inherits a mask with SIGCHLD, SIGTERM and SIGINT blocked; the "signals"
// thread then takes them from a signalfd: SIGCHLD -> Reaper::reap(), SIGTERM
// and SIGINT -> on_stop (which must only post). Children get a clean mask
// back between fork and exec (see models/ spawn).
#pragma once

#include <functional>
#include <thread>

#include "ochopod/reaper.h"

namespace ochopod {

class SignalThread {
 public:
  using OnStop = std::function<void(int signo)>;

  // Blocks SIGCHLD, SIGTERM, SIGINT in the calling thread. Call first in main.
  static void block_signals();

  SignalThread(Reaper& reaper, OnStop on_stop);
  ~SignalThread();
  SignalThread(const SignalThread&) = delete;
  SignalThread& operator=(const SignalThread&) = delete;

 private:
  void run();

  Reaper& reaper_;
  OnStop on_stop_;
  int signal_fd_ = -1;
  int wake_fd_ = -1;  // eventfd: the destructor's way to end run()
  std::thread thread_;
};

}  // namespace ochopod
