// `ochopod run [options] -- argv...`: any program as a pod (docs/run.md).
//
// Options -> a Piped lifecycle whose configure() renders the --template files
// and returns the argv, whose reconfigure() re-renders them for a running
// child (and reloads it), whose ready() and drained() run --ready and
// --drain, whose tear_down() sends --stop-signal, whose sanity_check() runs
// --sanity and --health, and a Reactive model from the reactive options; the
// binding turns the environment into the pod settings.
#include <signal.h>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "bindings/binding.h"
#include "cli/commands.h"
#include "cli/run/options.h"
#include "models/checks/health_check.h"
#include "models/checks/tcp_connections.h"
#include "models/piped/controller.h"
#include "models/reactive/leader.h"
#include "models/templates/template_files.h"
#include "models/tools/command_tools.h"
#include "ochopod/piped.h"
#include "ochopod/reactive.h"
#include "ochopod/template.h"
#include "runtime/base/numbers.h"
#include "runtime/pod/pod.h"
#include "runtime/process/signal_names.h"
#include "runtime/process/signals.h"

namespace ochopod::cli {

namespace {

using Seconds = std::chrono::duration<double>;

// Each --ready poll may take this long (it runs on the lifecycle thread).
constexpr Seconds kReadyCheckTimeout{1.0};

// Output without its trailing line ends.
std::string chomp(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

// The lifecycle of a pod whose program is not written against our API.
class RunLifeCycle final : public Piped {
 public:
  // `templates` may be null (no --template); `env` is what templates see as `env`.
  RunLifeCycle(const RunOptions& options, Reaper& reaper, detail::TemplateFiles* templates,
               const Environment& env)
      : options_(options), reaper_(reaper), templates_(templates), env_(env) {
    check_every = Seconds(options.check_every);
    checks = options.checks;
    cwd = options.cwd;
    grace = Seconds(options.grace);
    pipe_subprocess = options.pipe;
    shell = options.shell;
    soft = options.soft;
    strict = options.strict;
    restart_backoff = Seconds(options.restart_backoff);
    // Validated by the options parser.
    stop_signal_ = parse_signal_name(options.stop_signal).value_or(SIGTERM);
    if (options.drain) drain_port_ = parse_port(options.drain->substr(4)).value_or(0);
  }

  // --stop-signal to the child's process group.
  void tear_down(const Process& process) override {
    if (process.pid <= 0) return;
    if (::kill(-process.pid, stop_signal_) != 0) {
      spdlog::debug("{} to process group {} failed: {}", signal_name(stop_signal_), process.pid,
                    std::strerror(errno));
    }
  }

  // --ready: the check passes (a --health form, or cmd: exiting 0 in time).
  bool ready(const Process&) override {
    if (!options_.ready) return true;
    const std::string& spec = *options_.ready;
    std::optional<std::string> error;
    if (spec.starts_with("cmd:")) {
      const auto result = run_shell_command(spec.substr(4), kReadyCheckTimeout);
      if (result.timed_out) error = "timed out";
      if (!result.succeeded() && !error) error = describe_wait_status(result.wait_status);
    } else {
      error = health_check(spec, kReadyCheckTimeout);
    }
    if (error) spdlog::debug("--ready {}: not yet: {}", spec, *error);
    return !error;
  }

  // --drain: no established connection left on the port.
  bool drained(const Process&) override {
    if (drain_port_ == 0) return true;
    std::string error;
    const auto n = established_connections(drain_port_, &error);
    if (!n) throw std::runtime_error("--drain: " + error);
    if (*n > 0) spdlog::debug("--drain: {} connections left on port {}", *n, drain_port_);
    return *n == 0;
  }

  Configuration configure(const Cluster& cluster) override {
    // Before the child starts; a template error fails the `on` (406, the pod shuts down).
    if (templates_) templates_->render(template_view(cluster, env_));
    Configuration c;
    c.argv = options_.argv;
    return c;
  }

  // A configuration for a running child (not --strict): re-render, and with
  // --on-change or --reload-signal reload the child instead of restarting it,
  // new dependencies included.
  bool reconfigure(const Cluster& cluster, const Process* process,
                   bool dependencies_changed) override {
    const bool reloads = options_.on_change || options_.reload_signal;
    // Without a reload option: restart for new dependencies, as without
    // templates (configure() renders then), else re-render in place.
    if (!reloads && dependencies_changed) return false;
    if (!templates_) return true;
    const auto written = templates_->render(template_view(cluster, env_));
    if (!reloads || written.empty()) return true;
    if (!process) return true;  // a child waiting for its restart reads the new files then
    return reload(*process, written);
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
  // Tells the child its files changed. False (restart it, so it still reads
  // them) when the reload cannot be done.
  bool reload(const Process& process, const std::vector<std::string>& written) {
    const std::string files = join(written);
    if (options_.reload_signal) {
      const int signo = parse_signal_name(*options_.reload_signal).value_or(SIGHUP);  // validated
      spdlog::info("template: {} changed: {} to the child's group {}", files, signal_name(signo),
                   process.pid);
      if (::kill(-process.pid, signo) == 0) return true;
      spdlog::error("template: cannot send {} to group {}: {}; restarting the child instead",
                    signal_name(signo), process.pid, std::strerror(errno));
      return false;
    }
    // An `on` must end within the leader's control timeout.
    const Seconds timeout = std::min(Seconds(options_.control_timeout), Seconds(30.0));
    spdlog::info("template: {} changed: running --on-change", files);
    const auto result = run_shell_command(reaper_, *options_.on_change, timeout);
    if (result.succeeded()) return true;
    const std::string why = result.timed_out
                                ? "timed out"
                                : describe_wait_status(result.wait_status) +
                                      (chomp(result.err).empty() ? "" : ": " + chomp(result.err));
    spdlog::error("template: --on-change failed ({}); restarting the child instead", why);
    return false;
  }

  static std::string join(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
    return out;
  }

  const RunOptions& options_;
  Reaper& reaper_;
  detail::TemplateFiles* templates_;
  const Environment& env_;
  int stop_signal_ = SIGTERM;
  int drain_port_ = 0;  // 0: no --drain
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

  std::unique_ptr<RunLifeCycle> lifecycle;
  std::unique_ptr<RunModel> model;
  PodParts parts;
  parts.controller = [&](PodServices& services) -> std::unique_ptr<Controller> {
    lifecycle = std::make_unique<RunLifeCycle>(options, services.reaper, templates.get(), env);
    return std::make_unique<PipedController>(*lifecycle, piped_context(services));
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
