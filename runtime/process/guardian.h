// Guardian: a small process that kills every process group the pod made when
// the pod dies, however it dies (SIGKILL, a crash), without a cgroup manager.
//
// PR_SET_PDEATHSIG takes only the pod's direct children with it; what they
// started (`sh -c 'sleep 3999 & wait'`) would run on, orphaned. So run_pod()
// spawns this process early at boot, in prepare_process() right after
// split_if_pid1(), before any thread exists. It is a program of its own,
// `ochopod-guard` (runtime/process/guardian_main.cpp), installed beside the
// modules and found as they are (runtime/base/module.h): spawned rather than
// forked, it costs the pod no copy of its page tables and no copy-on-write
// faults, and holds nothing of the pod's memory. It starts with every
// catchable signal blocked (a Ctrl-C to the terminal's group or a signal to
// the pod's group cannot end it), in a process group of its own (a
// `kill -9 -<pgid>` of the pod's group kills the pod, not the guardian that
// must clean up after it), without environment. It is connected to the pod
// by a SOCK_SEQPACKET socket pair whose pod end is close-on-exec (no child
// inherits it, spawn also closes every descriptor above stderr): when the
// pod's end closes, which the kernel does when the pod dies, the guardian
// gets EOF, sends SIGKILL to every group it watches and _exits.
//
// The pod tells it about groups with fixed-size messages (guardian_wire.h)
// from spawn_process() and spawn_unwatched() (models/child/spawn.h). A new
// group's watch is sent by the vfork'd child itself, right after its
// setpgid and before its exec (watch_own_group()): sent by the pod once the
// exec is done, it left a window in which the child's program had already
// started something and a SIGKILLed pod left that behind. The release comes
// from whatever thread reaps the leader (release(pgid)), or from the spawn
// whose exec failed. A released group is dropped
// by the guardian as soon as kill(-pgid, 0) says it has no member left,
// zombies included (checked at once, then every 100 ms while one is
// pending): until then its number cannot be reused by the kernel, so a
// recycled pid is never killed. Watches are counted, so a pgid reused by a
// new spawn before the old release arrived stays watched.
//
// At a normal exit, run_pod() calls stop() once every other thread has ended:
// the guardian kills whatever groups are still watched (wanted: no leftovers
// ever, even a soft stop's child) and the pod reaps it. The Reaper never sees
// its pid (it waits only for the pids owners watch). A pod that cannot spawn
// it (the program missing, no process left) logs an error and runs on
// without it: PR_SET_PDEATHSIG still takes the direct children. Its limit: a
// process that leaves the group (setsid, setpgid) is out of reach; only a
// cgroup covers that.
#pragma once

#include <sys/types.h>

#include <atomic>

#include "runtime/process/guardian_wire.h"

namespace ochopod {

// What ps shows for the guardian: its program's name (at most 15
// characters, the kernel's comm).
inline constexpr const char* kGuardianName = "ochopod-guard";

class Guardian {
 public:
  // The pod's one guardian, process-wide like the pod's signals.
  static Guardian& process();

  // Spawns the guardian. Main thread, before any other thread exists. False,
  // logged, when it cannot: the pod runs on without it.
  bool start();
  // For tests, which read the frames themselves: frames go to pod_end (a
  // SOCK_SEQPACKET socket) instead of a spawned guardian's socket, and
  // stop() only closes it. Owned from here on.
  void use_socket(int pod_end);

  // The socket a spawn hands its child for watch_own_group(); -1 without a
  // guardian. Any thread.
  int socket() const { return fd_.load(); }
  // Sends watch(getpid()) on socket: for a vfork'd child, right after
  // setpgid(0, 0) and before its exec. Async-signal-safe: system calls only,
  // nothing written but its own stack; a failure is not reported (no
  // logging there), a broken guardian is logged by the pod's next release.
  static void watch_own_group(int socket);

  // Any thread. Nothing happens without a started guardian (unit tests).
  void release(pid_t pgid);
  // Closes the pod's end and reaps the guardian (it kills what is still
  // watched). Main thread, after every other thread has ended.
  void stop();
  pid_t pid() const { return pid_; }

 private:
  void send(const guardian::Message& message);
  std::atomic<int> fd_{-1};
  std::atomic<bool> broken_{false};
  pid_t pid_ = 0;
};

}  // namespace ochopod
