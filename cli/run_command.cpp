// `ochopod run [options] -- argv...`: any program as a pod (docs/run.md).
//
// Options -> a Piped lifecycle whose configure() returns the argv, whose
// sanity_check() runs --sanity and --health, and a Reactive model from the
// reactive options; the binding turns the environment into the pod settings.
#include <spdlog/spdlog.h>

#include <cstdio>
#include <memory>

#include "commands.h"
#include "ochopod/binding.h"
#include "ochopod/command_check.h"
#include "ochopod/command_tools.h"
#include "ochopod/piped.h"
#include "ochopod/piped_controller.h"
#include "ochopod/pod.h"
#include "ochopod/reactive.h"
#include "ochopod/reactive_leader.h"
#include "ochopod/signals.h"
#include "run_options.h"

namespace ochopod::cli {

namespace {

using Seconds = std::chrono::duration<double>;

// Output without its trailing line ends.
std::string chomp(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

// The lifecycle of a pod whose program is not written against our API.
class RunLifeCycle final : public Piped {
 public:
  RunLifeCycle(const RunOptions& options, Reaper& reaper) : options_(options), reaper_(reaper) {
    check_every = Seconds(options.check_every);
    checks = options.checks;
    cwd = options.cwd;
    grace = Seconds(options.grace);
    pipe_subprocess = options.pipe;
    shell = options.shell;
    soft = options.soft;
    strict = options.strict;
    restart_backoff = Seconds(options.restart_backoff);
  }

  Configuration configure(const Cluster&) override {
    Configuration c;
    c.argv = options_.argv;
    return c;
  }

  std::optional<nlohmann::json> sanity_check(const Process&) override {
    std::optional<nlohmann::json> metrics;
    // A check may take at most one interval, or checks would pile up.
    const Seconds timeout = std::min(Seconds(options_.check_every), Seconds(30.0));
    if (options_.sanity) {
      const auto result = run_shell_command(reaper_, *options_.sanity, timeout);
      if (result.timed_out) throw std::runtime_error("--sanity timed out");
      if (!result.succeeded()) {
        throw std::runtime_error("--sanity failed: " + describe_wait_status(result.wait_status));
      }
      auto js = nlohmann::json::parse(result.out, nullptr, false);
      if (js.is_object()) metrics = std::move(js);
    }
    for (const auto& spec : options_.health) {
      if (auto error = health_check(spec, timeout)) {
        throw std::runtime_error("--health " + spec + ": " + *error);
      }
    }
    return metrics;
  }

 private:
  const RunOptions& options_;
  Reaper& reaper_;
};

// The model of such a pod: Reactive, with --probe as its probe().
class RunModel final : public Reactive {
 public:
  RunModel(const RunOptions& options, Reaper& reaper) : options_(options), reaper_(reaper) {
    damper = Seconds(options.damper);
    depends_on = options.depends_on;
    full_shutdown = options.full_shutdown;
    sequential = options.sequential;
    control_timeout = Seconds(options.control_timeout);
    probe_every = Seconds(options.probe_every);
  }

  std::optional<std::string> probe(const Cluster&) override {
    if (!options_.probe) return std::nullopt;
    const auto result = run_shell_command(reaper_, *options_.probe, probe_every);
    if (result.timed_out) throw std::runtime_error("probe timed out");
    if (!result.succeeded()) {
      const std::string why = chomp(result.err);
      throw std::runtime_error(why.empty() ? describe_wait_status(result.wait_status) : why);
    }
    return chomp(result.out);
  }

 private:
  const RunOptions& options_;
  Reaper& reaper_;
};

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
  // The binding reads the security files from the environment, where these
  // options' twins live: the command line wins over them.
  Environment binding_env = env;
  for (const auto& [name, value] :
       {std::pair{"ochopod_token_file", options.token_file},
        std::pair{"ochopod_tls_cert", options.tls_cert},
        std::pair{"ochopod_tls_key", options.tls_key}, std::pair{"ochopod_tls_ca", options.tls_ca},
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

  std::unique_ptr<RunLifeCycle> lifecycle;
  std::unique_ptr<RunModel> model;
  PodParts parts;
  parts.controller = [&](PodServices& services) -> std::unique_ptr<Controller> {
    lifecycle = std::make_unique<RunLifeCycle>(options, services.reaper);
    PipedController::Context context{
        services.lifecycle, services.hints, services.reaper, services.settings.start, "",
        &services.metrics};
    return std::make_unique<PipedController>(*lifecycle, context);
  };
  parts.leader_work = [&](PodServices& services) -> std::unique_ptr<LeaderWork> {
    model = std::make_unique<RunModel>(options, services.reaper);
    return std::make_unique<ReactiveLeader>(*model, services);
  };
  parts.tools = [&](PodServices& services, ToolBox& box) {
    // Specs were validated by the options parser.
    for (const auto& spec : options.tools)
      box.add(std::make_shared<CommandTool>(spec, services.reaper));
  };
  return run_pod(settings, parts);
}

}  // namespace ochopod::cli
