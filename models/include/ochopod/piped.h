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
// What the pod does with the child (starting it, restarts and their backoff,
// checks, forwarded signals, stopping, ready and drained) is specified in
// docs/lifecycle.md, rule by rule; each knob below says what it tunes.
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
