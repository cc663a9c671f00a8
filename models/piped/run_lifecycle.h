// RunLifeCycle and RunModel: the pod `ochopod run` makes of any program not
// written against our API (docs/run.md).
//
// RunLifeCycle is a Piped whose configure() renders the --template files
// and returns the argv, whose reconfigure() re-renders them for a running
// child (and reloads it), whose ready(), alive() and drained() run --ready,
// --liveness and --drain, whose tear_down() sends --stop-signal, whose
// sanity_check() runs --sanity and --health, whose pre_start() and
// post_stop() run those hooks and whose signaled() delivers a Unix signal. RunModel is its
// Reactive, with --probe as its probe(). cli/run/command.cpp builds both from the parsed options (a
// RunSpec); their callbacks run on the lifecycle thread and the leader's,
// as every lifecycle's and model's do.
#pragma once

#include <signal.h>

#include <optional>
#include <string>
#include <vector>

#include "models/piped/cluster_file.h"
#include "models/templates/template_files.h"
#include "ochopod/piped.h"
#include "ochopod/reactive.h"
#include "runtime/base/environment.h"

namespace ochopod {

// What the options ask of the pod, parsed and validated by
// cli/run/options.cpp. Durations in seconds.
struct RunSpec {
  std::vector<std::string> argv;  // the child, exactly as given after `--`
  // Piped's knobs (ochopod/piped.h).
  double check_every = 60;
  int checks = 1;
  double grace = 60;
  double restart_backoff = 10;
  bool shell = false, strict = false, soft = false, pipe = false;
  std::optional<std::string> cwd;
  // What the lifecycle's callbacks run.
  std::optional<std::string> sanity;  // a shell command
  std::vector<std::string> health;    // health_check() forms
  std::optional<std::string> ready;   // a health_check() form, or cmd:<command>
  int stop_signal = SIGTERM;
  int drain_port = 0;  // established connections to wait out; 0: none
  // The exit policy, liveness, environment and identity: Piped's knobs.
  bool exit_with_child = false;
  std::optional<int> max_restarts;
  std::vector<int> success_codes;
  std::optional<std::string> liveness;  // a --ready form
  double start_period = 0;
  std::vector<std::string> env_files, file_env;
  std::optional<std::string> user;
  // One-shots around each start, by /bin/sh -c, each bounded by hook_timeout.
  std::optional<std::string> pre_start, post_stop;
  double hook_timeout = 60;
  std::vector<Job> jobs;
  std::vector<PeriodicJob> periodic;
  std::optional<std::string> on_change;  // a shell command, run after templates change
  std::optional<int> reload_signal;      // sent after templates change, instead
  // Reactive's knobs (ochopod/reactive.h) and its probe, a shell command.
  double damper = 0;
  std::vector<std::string> depends_on;
  bool full_shutdown = false, sequential = false;
  double control_timeout = 60;
  double probe_every = 60;
  std::optional<std::string> probe;
};

class RunLifeCycle final : public Piped {
 public:
  // spec, templates and env must outlive this object. templates may be null
  // (no --template); env is what the templates see as `env`.
  RunLifeCycle(const RunSpec& spec, detail::TemplateFiles* templates, const Environment& env);

  void tear_down(const Process& process) override;
  bool ready(const Process& process) override;
  bool drained(const Process& process) override;
  Configuration configure(const Cluster& cluster) override;
  bool reconfigure(const Cluster& cluster, const Process* process,
                   bool dependencies_changed) override;
  std::optional<nlohmann::json> sanity_check(const Process& process) override;
  bool alive(const Process& process) override;
  void pre_start() override;
  void post_stop(std::optional<int> wait_status) override;
  // {"signal": "USR1"} (a name, with or without SIG, or a number): that
  // signal to the child's group. Any other body: nothing, as the default.
  std::optional<nlohmann::json> signaled(const nlohmann::json& js, const Process* process) override;

 private:
  bool reload(const Process& process, const std::vector<std::string>& written);
  // Renders the templates against the cluster, unless they were last
  // rendered against this very configuration (its digest): a round that
  // changed nothing for this pod costs it no render. Returns the
  // destinations written.
  std::vector<std::string> render(const Cluster& cluster);

  const RunSpec& spec_;
  detail::TemplateFiles* templates_;
  const Environment& env_;
  std::optional<detail::ClusterDigest> rendered_;
};

class RunModel final : public Reactive {
 public:
  explicit RunModel(const RunSpec& spec);  // spec must outlive this object

  std::optional<std::string> probe(const Cluster& cluster) override;

 private:
  const RunSpec& spec_;
};

}  // namespace ochopod
