// split_if_pid1: tini's split for a pod that is its container's PID 1.
//
// PID 1 inherits every orphan of its container and must reap them with
// waitpid(-1), which would steal the exit status of processes the pod's own
// callbacks wait for (popen, system). So when the process starts as PID 1,
// it forks: the parent stays PID 1 as a minimal reaper (it reaps every orphan,
// forwards every signal it can catch to the runtime and exits with the
// runtime's exit code, 128 + signal if the runtime was killed); the child
// returns from here and becomes the runtime, in its own process group (the
// terminal's foreground group, if any), which waits only for the pids it
// started (reaper.h). Started any other way, this does nothing: the process a
// user starts stays the runtime itself. run_pod() calls it after
// SignalThread::block_signals() and log::setup(), before any thread exists;
// the reaper logs through that logger.
#pragma once

namespace ochopod {

void split_if_pid1();

}  // namespace ochopod
