// `ochopod run [options] -- argv...`: any program as a pod (docs/run.md).
//
// The command's entry: parses the options (cli/run/options.h), lets the
// binding turn the environment into the pod settings, reads the templates,
// and runs the pod `ochopod run` makes of the program (RunLifeCycle and
// RunModel, models/piped/run_lifecycle.h), wired as boot() wires a user's
// pod (bindings/piped_pod.h).
#include <signal.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <memory>

#include "bindings/binding.h"
#include "bindings/piped_pod.h"
#include "cli/commands.h"
#include "cli/run/options.h"
#include "models/piped/run_lifecycle.h"
#include "models/templates/template_files.h"
#include "models/tools/command_tools.h"
#include "runtime/base/numbers.h"
#include "runtime/pod/pod.h"
#include "runtime/process/signal_names.h"
#include "runtime/process/signals.h"

namespace ochopod::cli {

namespace {

// The options, as the pod's model takes them (validated by the parser).
RunSpec run_spec(const RunOptions& options) {
  RunSpec spec;
  spec.argv = options.argv;
  spec.check_every = options.check_every;
  spec.checks = options.checks;
  spec.grace = options.grace;
  spec.restart_backoff = options.restart_backoff;
  spec.shell = options.shell;
  spec.strict = options.strict;
  spec.soft = options.soft;
  spec.pipe = options.pipe;
  spec.cwd = options.cwd;
  spec.sanity = options.sanity;
  spec.health = options.health;
  spec.ready = options.ready;
  spec.stop_signal = parse_signal_name(options.stop_signal).value_or(SIGTERM);
  if (options.drain) spec.drain_port = parse_port(options.drain->substr(4)).value_or(0);
  spec.on_change = options.on_change;
  if (options.reload_signal)
    spec.reload_signal = parse_signal_name(*options.reload_signal).value_or(SIGHUP);
  spec.damper = options.damper;
  spec.depends_on = options.depends_on;
  spec.full_shutdown = options.full_shutdown;
  spec.sequential = options.sequential;
  spec.control_timeout = options.control_timeout;
  spec.probe_every = options.probe_every;
  spec.probe = options.probe;
  spec.exit_with_child = options.exit_with_child;
  if (options.max_restarts) spec.max_restarts = parse_integer<int>(*options.max_restarts);
  for (const auto& code : options.success_codes)
    spec.success_codes.push_back(parse_integer<int>(code).value_or(0));
  spec.liveness = options.liveness;
  spec.start_period = options.start_period;
  spec.env_files = options.env_files;
  spec.file_env = options.file_env;
  spec.user = options.user;
  spec.pre_start = options.pre_start;
  spec.post_stop = options.post_stop;
  spec.hook_timeout = options.hook_timeout;
  // Names and forms were validated by the parser.
  for (const auto& text : options.jobs) {
    const auto job = *parse_named(text);
    Job& added = spec.jobs.emplace_back();
    added.name = job.name;
    added.command = job.value;
    added.grace = std::chrono::duration<double>(options.job_grace);
    for (const auto& ready : options.job_ready) {
      const auto check = *parse_named(ready);
      if (check.name == job.name) added.ready = check.value;
    }
  }
  for (const auto& text : options.periodic) {
    const auto named = *parse_named(text);
    const auto value = *parse_periodic(named.value);
    PeriodicJob& added = spec.periodic.emplace_back();
    added.name = named.name;
    added.every = std::chrono::duration<double>(value.every);
    added.command = value.command;
    added.timeout = std::chrono::duration<double>(options.periodic_timeout);
  }
  return spec;
}

}  // namespace

int run_command(int argc, char** argv) {
  SignalThread::block_signals();
  const std::vector<std::string> args(argv + 1, argv + argc);
  const Environment env = read_environment();
  const ParseResult parsed = parse_run_options(args, env);
  if (!parsed.options) {
    std::fprintf(stderr, "%s\n", parsed.error.c_str());
    return 2;
  }
  const RunOptions& options = *parsed.options;
  if (options.help) {
    std::fputs(run_help().c_str(), stdout);
    return 0;
  }
  // The binding reads the security settings from the environment, as for
  // every pod, where these options' twins live: the command line wins.
  Environment binding_env = env;
  for (const auto& [name, value] :
       {std::pair{"ochopod_token_file", options.token_file},
        std::pair{"ochopod_tls_cert", options.tls_cert},
        std::pair{"ochopod_tls_key", options.tls_key}, std::pair{"ochopod_tls_ca", options.tls_ca},
        std::pair{"ochopod_zk_acl", options.zk_acl},
        std::pair{"ochopod_log_format", options.log_format}}) {
    if (value) binding_env[name] = *value;
  }
  BindingResult binding = resolve_binding(binding_env, options.binding.value_or(""));
  if (!binding.settings) {
    std::fprintf(stderr, "ochopod run: %s\n", binding.error.c_str());
    return 2;
  }
  PodSettings settings = std::move(*binding.settings);
  // The options' warnings in the pod's format (--log-format json covers them):
  // the logger is set up here already; run_pod() sets it up again.
  log::Options early_log = settings.log;
  early_log.cluster = settings.cluster;
  early_log.ns = settings.ns;
  log::setup(early_log);
  for (const auto& warning : parsed.warnings) spdlog::warn("{}", warning);
  settings.bind = options.bind;
  settings.session_timeout =
      std::chrono::milliseconds(static_cast<int64_t>(options.session_timeout * 1000));
  settings.dependencies = options.depends_on;
  settings.leave_delay =
      std::chrono::milliseconds(static_cast<int64_t>(options.leave_delay * 1000));
  settings.stop_timeout =
      std::chrono::milliseconds(static_cast<int64_t>(options.stop_timeout * 1000));

  // Sources are read and checked now: a template that cannot be used stops the pod before it
  // starts.
  std::unique_ptr<detail::TemplateFiles> templates;
  if (!options.templates.empty()) {
    std::vector<detail::TemplateSpec> specs;
    for (const auto& spec : options.templates)
      specs.push_back(*detail::parse_template_spec(spec));  // validated by the parser
    try {
      templates = std::make_unique<detail::TemplateFiles>(specs);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "ochopod run: %s (--template)\n", e.what());
      return 2;
    }
  }

  const RunSpec spec = run_spec(options);
  RunLifeCycle lifecycle(spec, templates.get(), env);
  RunModel model(spec);
  std::vector<std::shared_ptr<Tool>> tools;
  // Specs were validated by the options parser.
  for (const auto& tool : options.tools) tools.push_back(std::make_shared<CommandTool>(tool));
  return run_pod(settings, piped_pod(lifecycle, model, std::move(tools)));
}

}  // namespace ochopod::cli
