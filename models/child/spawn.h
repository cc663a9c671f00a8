// spawn_process: starts one child the way every child of a pod must start
// (docs/internals.md, "Traps in our dependencies").
//
// Called by ReaperChildHost (models/piped/child_host.h: the pod's child) and
// run_shell_command (sanity commands, probes, tools). The child gets its own
// process group (pgid == pid), an empty signal mask, default signal
// dispositions, no inherited descriptor above stderr except the pipes asked
// for, and PR_SET_PDEATHSIG (SIGKILL): it dies with the pod, even a SIGKILLed
// one. The kernel sends that signal when the thread that forked exits, so
// call these only from a thread that outlives the child: the lifecycle thread
// (it lives until the pod exits) or a thread that waits for the child, as
// run_shell_command does. The exit status goes to on_exit through the Reaper,
// or to the caller's own waitpid (spawn_unwatched).
//
// The child is started with vfork: it shares the pod's memory until it
// execs, so the pod's pages stay writable (a fork would make each page the
// pod writes afterwards fault once) and the calling thread waits until the
// exec (or the failed step) is done.
//
// What the child starts in its group dies with the pod too: each new group is
// watched by the pod's guardian (runtime/process/guardian.h) and released
// once its leader is reaped (by the Reaper's on_exit here, by the caller of
// spawn_unwatched).
//
// With an identity, the child drops to it before exec (setgroups, setgid,
// setuid, in that order, so it can still change its groups) and gets HOME,
// USER and LOGNAME of that user, as gosu and su give them (a program that
// looks for ~/.config must not find root's); what request.env sets wins.
// Any of these failing fails the spawn, the error naming the step ("setuid
// failed: ..."). A pod that is not root and already is that uid and gid
// switches nothing. PR_SET_PDEATHSIG is set after the switch: the kernel
// clears it when the credentials change.
//
// With foreground and a terminal on the pod's stdin, the child makes its new
// process group the terminal's foreground one (as tini does for its child),
// so a Ctrl-C or a read from the terminal reaches it rather than the pod;
// SIGTTOU is blocked around it, since a background group may not otherwise
// do that. "No terminal after all" (ENOTTY, ENXIO) is not an error.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "models/child/identity.h"
#include "runtime/base/unique_fd.h"
#include "runtime/process/reaper.h"

namespace ochopod::detail {

enum class Output {
  inherit,   // the child writes where the pod writes
  merged,    // stdout and stderr into one pipe: Spawned::out
  separate,  // stdout into Spawned::out, stderr into Spawned::err
};

struct SpawnRequest {
  // Used as given; argv[0] is looked up in the PATH the child will get when it
  // has no '/'. The child sees argv[0] unchanged.
  std::vector<std::string> argv;
  std::optional<std::string> cwd;
  // Set on top of the pod's own environment, in order (later wins).
  std::vector<std::pair<std::string, std::string>> env;
  Output output = Output::inherit;
  bool null_stdin = false;  // stdin from /dev/null instead of the pod's
  // What the child's lines are tagged with in the pod's log (ChildOutput,
  // models/child/child_output.h): "child", a job's name.
  std::string tag = "child";
  std::optional<Identity> identity;  // none: the pod's own (resolve_identity)
  bool foreground = false;           // take the terminal, if the pod's stdin is one
};

struct Spawned {
  pid_t pid = 0;  // also the child's process group id
  UniqueFd out;   // read ends, non-blocking, close-on-exec; empty unless asked for
  UniqueFd err;
};

// Forks and execs, holding reaper.spawn_lock() until the child is watched, so
// on_exit (called on the signal thread) can never miss the exit. Throws
// std::runtime_error when the command cannot be started (not found, bad cwd,
// identity not applicable, terminal not given, exec failure); nothing is left
// behind then (a child whose exec failed is reaped here).
Spawned spawn_process(Reaper& reaper, const SpawnRequest& request, Reaper::OnExit on_exit);

// The same, for a caller that waits for the pid itself (waitpid(pid) or a
// pidfd): no Reaper involved, so it works on any thread of any process.
// A child whose exec failed is reaped before this throws. Once it has reaped
// the child, the caller calls Guardian::process().release(pid).
Spawned spawn_unwatched(const SpawnRequest& request);

}  // namespace ochopod::detail
