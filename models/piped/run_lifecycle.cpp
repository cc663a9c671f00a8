#include "models/piped/run_lifecycle.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "models/checks/health_check.h"
#include "models/checks/tcp_connections.h"
#include "models/piped/sidecars.h"
#include "ochopod/shell_command.h"
#include "ochopod/template.h"
#include "runtime/base/text.h"
#include "runtime/base/wait_status.h"
#include "runtime/process/reaper.h"
#include "runtime/process/signal_names.h"

namespace ochopod {

namespace {

using Seconds = std::chrono::duration<double>;

// Each --ready poll may take this long (it runs on the lifecycle thread).
constexpr Seconds kReadyCheckTimeout{1.0};

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

}  // namespace

RunLifeCycle::RunLifeCycle(const RunSpec& spec, detail::TemplateFiles* templates,
                           const Environment& env)
    : spec_(spec), templates_(templates), env_(env) {
  check_every = Seconds(spec.check_every);
  checks = spec.checks;
  cwd = spec.cwd;
  grace = Seconds(spec.grace);
  pipe_subprocess = spec.pipe;
  shell = spec.shell;
  soft = spec.soft;
  strict = spec.strict;
  restart_backoff = Seconds(spec.restart_backoff);
  exit_with_child = spec.exit_with_child;
  max_restarts = spec.max_restarts;
  success_codes = spec.success_codes;
  start_period = Seconds(spec.start_period);
  env_files = spec.env_files;
  file_env = spec.file_env;
  user = spec.user;
  jobs = spec.jobs;
  periodic = spec.periodic;
}

// --stop-signal to the child's process group.
void RunLifeCycle::tear_down(const Process& process) {
  if (process.pid <= 0) return;
  if (::kill(-process.pid, spec_.stop_signal) != 0) {
    spdlog::debug("{} to process group {} failed: {}", signal_name(spec_.stop_signal), process.pid,
                  std::strerror(errno));
  }
}

// --ready: the check passes (a --health form, or cmd: exiting 0 in time).
bool RunLifeCycle::ready(const Process&) {
  if (!spec_.ready) return true;
  const auto error = detail::run_ready_check(*spec_.ready, kReadyCheckTimeout);
  if (error) spdlog::debug("--ready {}: not yet: {}", *spec_.ready, *error);
  return !error;
}

// --liveness: as --ready, bounded by one check interval.
bool RunLifeCycle::alive(const Process&) {
  if (!spec_.liveness) return true;
  const auto error =
      detail::run_ready_check(*spec_.liveness, std::min(Seconds(spec_.check_every), Seconds(30.0)));
  if (error) throw std::runtime_error("--liveness " + *spec_.liveness + ": " + *error);
  return true;
}

void RunLifeCycle::pre_start() {
  if (!spec_.pre_start) return;
  const auto result = run_shell_command(*spec_.pre_start, Seconds(spec_.hook_timeout));
  if (result.succeeded()) return;
  const std::string err(chomp(result.err));
  throw std::runtime_error(
      "--pre-start " +
      (result.timed_out ? std::string("timed out") : describe_wait_status(result.wait_status)) +
      (err.empty() ? "" : ": " + err));
}

void RunLifeCycle::post_stop(std::optional<int> wait_status) {
  if (!spec_.post_stop) return;
  (void)wait_status;
  const auto result = run_shell_command(*spec_.post_stop, Seconds(spec_.hook_timeout));
  if (result.succeeded()) return;
  spdlog::error("--post-stop failed: {}", result.timed_out
                                              ? std::string("timed out")
                                              : describe_wait_status(result.wait_status));
}

std::optional<nlohmann::json> RunLifeCycle::signaled(const nlohmann::json& js,
                                                     const Process* process) {
  if (!js.is_object() || !js.contains("signal")) return std::nullopt;
  const auto& value = js["signal"];
  std::optional<int> signo;
  if (value.is_string()) signo = parse_signal_name(value.get<std::string>());
  if (value.is_number_integer()) signo = parse_signal_name(std::to_string(value.get<int64_t>()));
  if (!signo) throw std::invalid_argument("unknown signal " + value.dump());
  if (!process || process->pid <= 0) throw std::invalid_argument("no child runs");
  if (::kill(-process->pid, *signo) != 0) {
    throw std::runtime_error("cannot send " + signal_name(*signo) + " to group " +
                             std::to_string(process->pid) + ": " + std::strerror(errno));
  }
  spdlog::info("signal: {} to the child's group {}", signal_name(*signo), process->pid);
  return nlohmann::json{{"signal", signal_name(*signo)}, {"pid", process->pid}};
}

// --drain: no established connection left on the port.
bool RunLifeCycle::drained(const Process&) {
  if (spec_.drain_port == 0) return true;
  std::string error;
  const auto n = established_connections(spec_.drain_port, &error);
  if (!n) throw std::runtime_error("--drain: " + error);
  if (*n > 0) spdlog::debug("--drain: {} connections left on port {}", *n, spec_.drain_port);
  return *n == 0;
}

std::vector<std::string> RunLifeCycle::render(const Cluster& cluster) {
  const auto digest = detail::cluster_digest(cluster);
  if (rendered_ == digest) return {};
  rendered_.reset();
  auto written = templates_->render(template_view(cluster, env_));
  rendered_ = digest;
  return written;
}

Configuration RunLifeCycle::configure(const Cluster& cluster) {
  // Before the child starts; a template error fails the `on` (406, the pod shuts down).
  if (templates_) render(cluster);
  Configuration c;
  c.argv = spec_.argv;
  return c;
}

// A configuration for a running child (not --strict): re-render, and with
// --on-change or --reload-signal reload the child instead of restarting it,
// new dependencies included.
bool RunLifeCycle::reconfigure(const Cluster& cluster, const Process* process,
                               bool dependencies_changed) {
  const bool reloads = spec_.on_change || spec_.reload_signal;
  // Without a reload option: restart for new dependencies, as without
  // templates (configure() renders then), else re-render in place.
  if (!reloads && dependencies_changed) return false;
  if (!templates_) return true;
  const auto written = render(cluster);
  if (!reloads || written.empty()) return true;
  if (!process) return true;  // a child waiting for its restart reads the new files then
  return reload(*process, written);
}

std::optional<nlohmann::json> RunLifeCycle::sanity_check(const Process&) {
  std::optional<nlohmann::json> metrics;
  // A check may take at most one interval, or checks would pile up.
  const Seconds timeout = std::min(Seconds(spec_.check_every), Seconds(30.0));
  if (spec_.sanity) {
    const auto result = run_shell_command(*spec_.sanity, timeout);
    if (result.timed_out) throw std::runtime_error("--sanity timed out");
    if (!result.succeeded()) {
      throw std::runtime_error("--sanity failed: " + describe_wait_status(result.wait_status));
    }
    auto js = nlohmann::json::parse(result.out, nullptr, false);
    if (js.is_object()) metrics = std::move(js);
  }
  for (const auto& spec : spec_.health) {
    if (auto error = health_check(spec, timeout)) {
      throw std::runtime_error("--health " + spec + ": " + *error);
    }
  }
  return metrics;
}

// Tells the child its files changed. False (restart it, so it still reads
// them) when the reload cannot be done.
bool RunLifeCycle::reload(const Process& process, const std::vector<std::string>& written) {
  const std::string files = join(written);
  if (spec_.reload_signal) {
    const int signo = *spec_.reload_signal;
    spdlog::info("template: {} changed: {} to the child's group {}", files, signal_name(signo),
                 process.pid);
    if (::kill(-process.pid, signo) == 0) return true;
    spdlog::error("template: cannot send {} to group {}: {}; restarting the child instead",
                  signal_name(signo), process.pid, std::strerror(errno));
    return false;
  }
  // An `on` must end within the leader's control timeout.
  const Seconds timeout = std::min(Seconds(spec_.control_timeout), Seconds(30.0));
  spdlog::info("template: {} changed: running --on-change", files);
  const auto result = run_shell_command(*spec_.on_change, timeout);
  if (result.succeeded()) return true;
  const std::string why = result.timed_out ? "timed out"
                                           : describe_wait_status(result.wait_status) +
                                                 (std::string(chomp(result.err)).empty()
                                                      ? ""
                                                      : ": " + std::string(chomp(result.err)));
  spdlog::error("template: --on-change failed ({}); restarting the child instead", why);
  return false;
}

RunModel::RunModel(const RunSpec& spec) : spec_(spec) {
  damper = Seconds(spec.damper);
  depends_on = spec.depends_on;
  full_shutdown = spec.full_shutdown;
  sequential = spec.sequential;
  control_timeout = Seconds(spec.control_timeout);
  probe_every = Seconds(spec.probe_every);
}

std::optional<std::string> RunModel::probe(const Cluster&) {
  if (!spec_.probe) return std::nullopt;
  const auto result = run_shell_command(*spec_.probe, probe_every);
  if (result.timed_out) throw std::runtime_error("probe timed out");
  if (!result.succeeded()) {
    const std::string why = std::string(chomp(result.err));
    throw std::runtime_error(why.empty() ? describe_wait_status(result.wait_status) : why);
  }
  return std::string(chomp(result.out));
}

}  // namespace ochopod
