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

#include <signal.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "ochopod/lifecycle.h"

namespace ochopod {

// A long-running process supervised next to the child (a log shipper, an
// exporter): started before it, restarted with the crash-loop backoff when
// it dies, stopped after it (docs/lifecycle.md, "Jobs").
struct Job {
  std::string name;     // letters, digits, _ . -; unique; tags its lines and metrics
  std::string command;  // run by /bin/sh -c
  // A check (an http://, tcp: or cmd: form, as ochopod run's --ready) the
  // job must pass before the child starts; none: started is enough.
  std::optional<std::string> ready;
  int stop_signal = SIGTERM;
  std::chrono::duration<double> grace{10.0};  // then SIGKILL, within the pod's stop budget
};

// A command run every `every` while the child is supervised, never two runs
// of one job at once: a run longer than its period delays the next one.
struct PeriodicJob {
  std::string name;  // as Job::name
  std::chrono::duration<double> every{60.0};
  std::string command;  // run by /bin/sh -c
  // A run still going after this is killed with its group; zero: ten periods.
  std::chrono::duration<double> timeout{0.0};
};

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

  // The exit policy (docs/lifecycle.md, "When the child ends"). With
  // exit_with_child the pod's life follows its child's, as under tini: once
  // the child exits and no restart is left, the pod leaves its cluster and
  // exits with the child's code (128+n for a signal n).
  bool exit_with_child = false;
  // Restarts allowed to a failing child; none: forever (without
  // exit_with_child), none at all (with it). Once spent the child stays down.
  std::optional<int> max_restarts;
  // Exit codes that count as success besides 0 (e.g. 143, a JVM stopped by
  // SIGTERM): the pod's work is done, as for 0.
  std::vector<int> success_codes;

  // Liveness: once start_period has passed since the child's start,
  // `checks` failed alive() calls in a row (one each check_every) restart
  // the child, with the crash-loop backoff, instead of turning it off.
  std::chrono::duration<double> start_period{0.0};

  // The child's environment, read again at each of its starts on top of
  // configure()'s: files of KEY=VALUE lines, and for each NAME here Docker's
  // *_FILE convention (NAME gets the contents of the file $NAME_FILE names).
  std::vector<std::string> env_files;
  std::vector<std::string> file_env;

  // The child and its jobs run as this user ("name", "uid", "name:group"),
  // with its supplementary groups; the pod keeps its own identity.
  std::optional<std::string> user;

  // Sidecars and periodic jobs (docs/lifecycle.md, "Jobs").
  std::vector<Job> jobs;
  std::vector<PeriodicJob> periodic;

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

  // Liveness, called every check_every after start_period (see above);
  // false or throwing counts as a failure. Default: alive.
  virtual bool alive(const Process& process) {
    (void)process;
    return true;
  }

  // One-shots around each start of the child: pre_start() runs before it
  // (after configure()); throwing fails that start as a failed configure()
  // does. post_stop() runs after each stop or exit, with the wait status
  // when it was collected; what it throws is logged.
  virtual void pre_start() {}
  virtual void post_stop(std::optional<int> wait_status) { (void)wait_status; }

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
