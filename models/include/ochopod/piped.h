// Piped: a pod that runs and watches one child process (ochopod's
// `models.piped.Actor`; behaviour pinned down in docs/lifecycle.md).
//
// Subclass it in your pod, implement configure() (what to run) and override
// the other LifeCycle callbacks you need; tune the knobs below, typically in
// your constructor. The runtime drives it through a PipedController.
//
//   struct Redis : ochopod::Piped {
//     Redis() { cwd = "/opt/redis"; check_every = std::chrono::seconds(5); }
//     ochopod::Configuration configure(const ochopod::Cluster& cluster) override {
//       return {"redis-server --port 6379", {{"INDEX", std::to_string(cluster.index)}}};
//     }
//   };
//
// What the pod does with the child, in short:
// - `on` configures (configure() on a leader payload) and starts the child;
//   the command is split on spaces (or run by /bin/sh -c with `shell`). The
//   child runs in its own process group, with the pod's environment plus
//   `ochopod` (the pod's hints as JSON), OCHOPOD_CLUSTER (a JSON file with the
//   latest configuration) and your overrides.
// - An exit code 0 ends the pod's work (finalize(), process "dead"). Any
//   other exit or signal is a failure: the child is restarted at once. While
//   it keeps failing within 10 s of its start, each further restart waits
//   0.1 s, doubled each time, up to `restart_backoff`; a child that ran 10 s
//   starts a new streak. A command that fails right away does not spin.
// - A configuration reaching a running child restarts it when `strict` is on;
//   otherwise reconfigure() decides (by default: restart for new
//   dependencies, else leave it running).
// - Signals the pod itself gets (SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH,
//   SIGCONT) are forwarded to the child's process group; the child dies with
//   the pod, even a SIGKILLed one.
// - Every `check_every` the child is checked: a failure since the last check
//   or a throwing sanity_check() uses up one of `checks` allowed failures in a
//   row; when none are left the child is turned off (process "stopped", the
//   pod stays configured until the next `on`). A passing check restores them.
// - Stopping (`off`, `kill`, a restart, the pod's own SIGTERM): tear_down()
//   (default SIGTERM to the child's process group), wait up to `grace` for the
//   whole group to be gone, then SIGKILL the group unless `soft`. Before an
//   `off`, a `kill` or the pod's own stop, drained() is polled every 0.2 s,
//   up to `grace`, until it returns true (process "terminating" meanwhile).
// - After `on` (re)starts or finds the child, its answer waits until ready()
//   returns true, polled every 0.2 s; 408 if not by the request's timeout
//   (the child keeps running). With a `sequential` leader that makes a
//   progressive rollout.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "ochopod/lifecycle.h"

namespace ochopod {

class Piped : public LifeCycle {
 public:
  // Delay between two sanity checks while the child runs.
  std::chrono::duration<double> check_every{60.0};

  // Sanity checks allowed to fail in a row before the child is turned off.
  int checks = 1;

  // Working directory of the child; the pod's own when unset.
  std::optional<std::string> cwd;

  // How long a stop waits for the child's process group to be gone after
  // tear_down() before it SIGKILLs the group.
  std::chrono::duration<double> grace{60.0};

  // The child's stdout and stderr go, line by line, into the pod's log
  // ("[child] ..."); otherwise the child writes where the pod writes.
  bool pipe_subprocess = false;

  // The command line is run by /bin/sh -c (pipes, globs, `&&`...) instead of
  // being split on spaces.
  bool shell = false;

  // Never SIGKILL: after grace the pod gives up waiting and leaves whatever
  // is left of the group running (e.g. a 0-downtime HAProxy reload). With a
  // tear_down() that does not stop the child, this leaks it: be careful. A
  // second SIGTERM/SIGINT to the pod during a stop SIGKILLs the group anyway.
  bool soft = false;

  // Cap of the crash-loop backoff between restarts of a child that keeps
  // failing soon after its start; 0 restarts at once, always.
  std::chrono::duration<double> restart_backoff{10.0};

  // Restart the child at every leader `on`, even when the dependencies did not
  // change (by default a running child is only restarted for a new
  // dependency set, not when the cluster merely scales).
  bool strict = false;

  // Called by `on` when a configuration reaches a running child and `strict`
  // is off, so a pod can bring the child up to date in place (re-render its
  // files, send it a reload signal) instead of restarting it. Return true to
  // keep the child running, false to restart it (stop, configure(), start).
  // `dependencies_changed` says whether the payload's dependencies differ
  // from the last configuration's; `process` is null while a failed child
  // waits for its restart. Throwing fails the `on` (406, the pod shuts down).
  // The default restarts only for new dependencies.
  virtual bool reconfigure(const Cluster& cluster, const Process* process,
                           bool dependencies_changed) {
    (void)cluster;
    (void)process;
    return !dependencies_changed;
  }

  // Readiness: `on` answers 200 only once this returns true (polled every
  // 0.2 s on the lifecycle thread, so keep it short: a connect, a bounded
  // command). process.pid is 0 while a restart is pending. Default: ready.
  virtual bool ready(const Process& process) {
    (void)process;
    return true;
  }

  // Draining: before the child is stopped by `off`, `kill` or the pod's own
  // stop, this is polled every 0.2 s, up to `grace`, until it returns true
  // (e.g. no client connected any more); then tear_down() goes anyway.
  // Default: nothing to drain.
  virtual bool drained(const Process& process) {
    (void)process;
    return true;
  }
};

}  // namespace ochopod
