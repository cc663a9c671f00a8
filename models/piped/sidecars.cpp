#include "models/piped/sidecars.h"

#include <signal.h>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>
#include <exception>
#include <utility>

#include "models/checks/health_check.h"
#include "models/piped/child_process.h"
#include "models/piped/crash_loop.h"
#include "ochopod/shell_command.h"
#include "runtime/base/wait_status.h"
#include "runtime/process/signal_names.h"

namespace ochopod::detail {

namespace {

double seconds(Scheduler::Clock::duration d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

std::optional<std::string> run_ready_check(const std::string& spec,
                                           std::chrono::duration<double> timeout) {
  if (!spec.starts_with("cmd:")) return health_check(spec, timeout);
  const auto result = run_shell_command(spec.substr(4), timeout);
  if (result.timed_out) return "timed out";
  if (!result.succeeded()) return describe_wait_status(result.wait_status);
  return std::nullopt;
}

std::string_view to_string(JobState state) {
  switch (state) {
    case JobState::kRunning:
      return "running";
    case JobState::kBackoff:
      return "backoff";
    case JobState::kStopped:
      break;
  }
  return "stopped";
}

struct Sidecars::Entry {
  Job job;
  std::unique_ptr<ChildProcess> process;
  CrashLoop crash_loop;
  bool supervised = false;  // between start() and stop()/kill(): restarts are on
  bool ready = false;       // passed its check since its latest start
  Scheduler::TimerId restart_timer = 0;
  Clock::time_point started_at{};
  int restarts = 0;
};

SpawnRequest shell_job_request(const std::string& command) {
  SpawnRequest request;
  request.argv = {"/bin/sh", "-c", command};
  request.null_stdin = true;  // the pod's stdin belongs to the child, if anyone
  return request;
}

SpawnRequest Sidecars::default_request(const Job& job) { return shell_job_request(job.command); }

Sidecars::Sidecars(Context ctx, std::vector<Job> jobs) : ctx_(std::move(ctx)), loop_(ctx_.loop) {
  jobs_.reserve(jobs.size());
  for (Job& job : jobs) {
    auto entry = std::make_unique<Entry>();
    entry->job = std::move(job);
    entry->process = std::make_unique<ChildProcess>(
        loop_, ctx_.host,
        [this, e = entry.get()](pid_t pid, int status) { on_exit(*e, pid, status); },
        "job " + entry->job.name);
    if (ctx_.metrics) ctx_.metrics->job_declared(entry->job.name);
    jobs_.push_back(std::move(entry));
  }
  publish();
}

Sidecars::~Sidecars() {
  bool ran = false;
  auto cleanup = [&] {
    ran = true;
    loop_.close();
    for (auto& entry : jobs_) {
      entry->supervised = false;
      cancel_restart(*entry);
      if (entry->process->running()) {
        spdlog::warn("job {}: destroyed with pid {} running: SIGKILL", entry->job.name,
                     entry->process->pid());
        entry->process->kill();
      }
    }
  };
  ctx_.loop.run_sync(cleanup);
  if (!ran) cleanup();  // the loop had stopped: nothing of ours runs on it any more
}

void Sidecars::start() {
  for (auto& entry : jobs_) {
    if (entry->supervised) continue;  // running, or waiting for its restart
    entry->supervised = true;
    entry->crash_loop.start(ctx_.restart_backoff);
    spawn(*entry);
  }
}

void Sidecars::spawn(Entry& entry) {
  try {
    SpawnRequest request = ctx_.request ? ctx_.request(entry.job) : default_request(entry.job);
    request.tag = entry.job.name;
    entry.process->start(request);  // logs "job <name> #<n> started (pid <pid>)"
    entry.started_at = loop_.now();
    entry.ready = false;
    if (ctx_.metrics) ctx_.metrics->job_up(entry.job.name, true);
  } catch (const std::exception& e) {
    spdlog::error("job {}: cannot start: {}; trying again in {} s", entry.job.name, e.what(),
                  seconds(kSpawnRetry));
    entry.restart_timer = loop_.post_after(kSpawnRetry, [this, e = &entry] { restart(*e, false); });
  }
  publish();
}

void Sidecars::on_exit(Entry& entry, pid_t pid, int wait_status) {
  const auto ran = loop_.now() - entry.started_at;
  if (entry.supervised) {
    spdlog::warn("job {}: pid {} ended ({}) after {:.1f} s", entry.job.name, pid,
                 describe_wait_status(wait_status), seconds(ran));
  }
  // Takes the exit in; whatever the job left in its group is SIGKILLed (in
  // the usual case the group went with its leader, and nothing is sent).
  stop_one(entry, /*stopping=*/false);
  if (!entry.supervised) return;
  const auto delay = entry.crash_loop.failed(ran);
  if (delay == Clock::duration::zero()) {
    spdlog::info("job {}: restarting at once", entry.job.name);
    restart(entry, true);
    return;
  }
  spdlog::info("job {}: restarting in {} s ({} failures in a row within {} s of their start)",
               entry.job.name, seconds(delay), entry.crash_loop.streak(),
               seconds(CrashLoop::kQuickFailure));
  entry.restart_timer = loop_.post_after(delay, [this, e = &entry] { restart(*e, true); });
  publish();
}

void Sidecars::restart(Entry& entry, bool after_exit) {
  entry.restart_timer = 0;
  if (!entry.supervised || entry.process->running()) return;
  if (after_exit) {
    ++entry.restarts;
    if (ctx_.metrics) ctx_.metrics->job_restarted(entry.job.name);
  }
  spawn(entry);
}

bool Sidecars::ready() {
  for (auto& entry : jobs_) {
    if (!entry->supervised) return false;
    if (entry->ready || !entry->job.ready) continue;
    if (!entry->process->running()) return false;
    if (auto error = run_ready_check(*entry->job.ready, kReadyCheckTimeout)) {
      spdlog::debug("job {}: not ready yet ({}): {}", entry->job.name, *entry->job.ready, *error);
      return false;
    }
    entry->ready = true;
    spdlog::info("job {}: ready", entry->job.name);
  }
  return true;
}

void Sidecars::stop() {
  for (auto it = jobs_.rbegin(); it != jobs_.rend(); ++it) {
    Entry& entry = **it;
    entry.supervised = false;
    cancel_restart(entry);
    stop_one(entry, /*stopping=*/true);
  }
  publish();
}

void Sidecars::stop_one(Entry& entry, bool stopping) {
  entry.ready = false;
  if (entry.process->running()) {
    const Job& job = entry.job;
    if (stopping) {
      spdlog::info("job {}: stopping pid {} ({}, then up to {} s)", job.name, entry.process->pid(),
                   signal_name(job.stop_signal), job.grace.count());
    }
    // A job that ended on its own only leaves orphans behind: they get no
    // grace, so that the job is back at once.
    const int signo = stopping ? job.stop_signal : SIGKILL;
    entry.process->stop(
        [&](pid_t pid) {
          if (!ctx_.host.signal_group(pid, signo)) {
            spdlog::warn("job {}: cannot send {} to group {}: {}", job.name, signal_name(signo),
                         pid, std::strerror(errno));
          }
        },
        job.grace, /*soft=*/false);
    // ChildProcess logged how it ended ("piped: job <name> pid <pid> stopped").
  }
  if (ctx_.metrics) ctx_.metrics->job_up(entry.job.name, false);
}

void Sidecars::kill() {
  for (auto& entry : jobs_) {
    entry->supervised = false;
    entry->ready = false;
    cancel_restart(*entry);
    if (!entry->process->running()) continue;
    spdlog::warn("job {}: SIGKILL to group {}", entry->job.name, entry->process->pid());
    entry->process->kill();
    if (ctx_.metrics) ctx_.metrics->job_up(entry->job.name, false);
  }
  publish();
}

void Sidecars::hurry() {
  for (auto& entry : jobs_) entry->process->hurry();
}

void Sidecars::stop_by(Clock::time_point deadline) {
  for (auto& entry : jobs_) entry->process->stop_by(deadline);
}

void Sidecars::cancel_restart(Entry& entry) {
  if (entry.restart_timer != 0) loop_.cancel(entry.restart_timer);
  entry.restart_timer = 0;
}

std::vector<JobStatus> Sidecars::states() const {
  std::vector<JobStatus> out;
  out.reserve(jobs_.size());
  for (const auto& entry : jobs_) {
    JobStatus status;
    status.name = entry->job.name;
    status.pid = entry->process->pid();
    status.restarts = entry->restarts;
    if (entry->process->running()) {
      status.state = JobState::kRunning;
    } else if (entry->supervised) {
      status.state = JobState::kBackoff;
    }
    out.push_back(std::move(status));
  }
  return out;
}

nlohmann::json Sidecars::view() const {
  nlohmann::json out = nlohmann::json::object();
  for (const JobStatus& status : states()) {
    out[status.name] = {{"state", std::string(to_string(status.state))},
                        {"pid", status.pid},
                        {"restarts", status.restarts}};
  }
  return out;
}

void Sidecars::publish() {
  if (ctx_.hints) ctx_.hints->set_jobs(view());
}

}  // namespace ochopod::detail
