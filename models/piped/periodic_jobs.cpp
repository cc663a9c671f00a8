#include "models/piped/periodic_jobs.h"

#include <signal.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <condition_variable>
#include <exception>
#include <map>
#include <mutex>
#include <utility>

#include "models/child/child_output.h"
#include "models/piped/sidecars.h"
#include "runtime/base/wait_status.h"

namespace ochopod::detail {

namespace {

double seconds(Scheduler::Clock::duration d) { return std::chrono::duration<double>(d).count(); }

Scheduler::Clock::duration at_least_min(std::chrono::duration<double> d) {
  return std::max<Scheduler::Clock::duration>(
      std::chrono::duration_cast<Scheduler::Clock::duration>(d), PeriodicJobs::kMinEvery);
}

}  // namespace

// Shared with the host's on_exit callbacks (the signal thread), which may
// come after this object is gone: they hold it weakly, and `loop` says
// whether anyone still listens.
struct PeriodicJobs::Board {
  std::mutex mu;
  std::condition_variable cv;  // a run exited
  std::map<pid_t, int> exits;  // wait statuses not taken in yet
  Scheduler* loop = nullptr;   // null once the PeriodicJobs is gone
};

struct PeriodicJobs::Entry {
  PeriodicJob job;
  Clock::duration every{};
  Clock::time_point due{};  // when the armed (or running) run was to start
  Clock::duration timeout{};
  bool armed = false;  // between start() and stop(): runs come
  Scheduler::TimerId next_timer = 0;
  Scheduler::TimerId timeout_timer = 0;
  // The run in flight.
  pid_t pid = 0;
  Clock::time_point started_at{};
  bool timed_out = false;
  std::unique_ptr<ChildOutput> output;  // when the request pipes its output
  // What /info and /metrics show.
  int runs = 0;
  int timeouts = 0;
  std::optional<int> last_exit_code;
  double last_duration = 0;
};

SpawnRequest PeriodicJobs::default_request(const PeriodicJob& job) {
  return shell_job_request(job.command);
}

PeriodicJobs::PeriodicJobs(Context ctx, std::vector<PeriodicJob> jobs)
    : ctx_(std::move(ctx)), loop_(ctx_.loop), board_(std::make_shared<Board>()) {
  board_->loop = &loop_;
  jobs_.reserve(jobs.size());
  for (PeriodicJob& job : jobs) {
    auto entry = std::make_unique<Entry>();
    entry->every = at_least_min(job.every);
    entry->timeout = job.timeout.count() > 0 ? at_least_min(job.timeout) : 10 * entry->every;
    entry->job = std::move(job);
    if (ctx_.metrics) ctx_.metrics->periodic_declared(entry->job.name);
    jobs_.push_back(std::move(entry));
  }
  publish();
}

PeriodicJobs::~PeriodicJobs() {
  {
    std::lock_guard<std::mutex> lock(board_->mu);
    board_->loop = nullptr;  // no exit posts to us any more
  }
  bool ran = false;
  auto cleanup = [&] {
    ran = true;
    loop_.close();
    for (auto& entry : jobs_) {
      if (entry->next_timer != 0) loop_.cancel(entry->next_timer);
      if (entry->timeout_timer != 0) loop_.cancel(entry->timeout_timer);
      if (entry->pid == 0) continue;
      spdlog::warn("periodic job {}: destroyed with a run (pid {}) in flight: SIGKILL",
                   entry->job.name, entry->pid);
      kill_run(*entry);
      entry->output.reset();
    }
  };
  ctx_.loop.run_sync(cleanup);
  if (!ran) cleanup();  // the loop had stopped: nothing of ours runs on it any more
}

void PeriodicJobs::start() {
  for (auto& entry : jobs_) {
    if (entry->armed) continue;
    entry->armed = true;
    // The first run one period from now: the child just started.
    arm(*entry, entry->every);
  }
  publish();
}

void PeriodicJobs::arm(Entry& entry, Clock::duration delay) {
  if (entry.next_timer != 0) loop_.cancel(entry.next_timer);
  entry.due = loop_.now() + delay;
  entry.next_timer = loop_.post_after(delay, [this, e = &entry] { run(*e); });
}

void PeriodicJobs::run(Entry& entry) {
  entry.next_timer = 0;
  if (!entry.armed || entry.pid != 0) return;  // the run's exit arms the next one
  const PeriodicJob& job = entry.job;
  SpawnRequest request;
  Spawned spawned;
  try {
    request = ctx_.request ? ctx_.request(job) : default_request(job);
    request.tag = job.name;
    auto on_exit = [weak = std::weak_ptr<Board>(board_), this, e = &entry](pid_t pid, int status) {
      auto board = weak.lock();
      if (!board) return;
      std::lock_guard<std::mutex> lock(board->mu);
      board->exits[pid] = status;
      board->cv.notify_all();
      // Non-null only while we live; the task runs only while loop_ is open.
      if (board->loop) board->loop->post([this, e, pid] { on_run_exit(*e, pid); });
    };
    spawned = ctx_.host.spawn(request, std::move(on_exit));
  } catch (const std::exception& ex) {
    spdlog::error("periodic job {}: cannot start a run: {}; next try in {} s", job.name, ex.what(),
                  seconds(entry.every));
    arm(entry, entry.every);
    return;
  }
  entry.pid = spawned.pid;
  entry.started_at = loop_.now();
  entry.timed_out = false;
  spdlog::info("periodic job {}: run #{} started (pid {})", job.name, entry.runs + 1, entry.pid);
  if (spawned.out || spawned.err) {
    try {
      entry.output =
          std::make_unique<ChildOutput>(std::move(spawned.out), std::move(spawned.err), job.name);
    } catch (const std::exception& ex) {
      spdlog::error("periodic job {}: its output is lost: {}", job.name, ex.what());
    }
  }
  entry.timeout_timer = loop_.post_after(entry.timeout, [this, e = &entry] { on_timeout(*e); });
  publish();
}

void PeriodicJobs::on_timeout(Entry& entry) {
  entry.timeout_timer = 0;
  if (entry.pid == 0) return;
  spdlog::warn("periodic job {}: run (pid {}) still going after {} s: SIGKILL to its group",
               entry.job.name, entry.pid, seconds(entry.timeout));
  entry.timed_out = true;
  // The exit comes as any other (on_run_exit).
  kill_run(entry);
}

bool PeriodicJobs::exited(pid_t pid) const {
  std::lock_guard<std::mutex> lock(board_->mu);
  return board_->exits.count(pid) > 0;
}

void PeriodicJobs::kill_run(Entry& entry) {
  // An exit already in (its task not run yet) means a reaped pid, maybe
  // someone else's by now: only its group, while it has members (its id is
  // not reused meanwhile), gets the signal.
  if (exited(entry.pid)) {
    if (ctx_.host.group_alive(entry.pid)) ctx_.host.signal_group(entry.pid, SIGKILL);
    return;
  }
  ctx_.host.signal_group(entry.pid, SIGKILL);
  ctx_.host.signal_process(entry.pid, SIGKILL);  // in case it left its group
}

void PeriodicJobs::on_run_exit(Entry& entry, pid_t pid) {
  int status = 0;
  {
    std::lock_guard<std::mutex> lock(board_->mu);
    auto it = board_->exits.find(pid);
    if (it == board_->exits.end()) return;  // stop() took it in already
    status = it->second;
    board_->exits.erase(it);
  }
  if (entry.pid != pid) return;  // a run stop() gave up on
  record(entry, status);
  if (entry.armed) {
    // Never two runs at once: the next one at its time, or now if this
    // one outlasted its period. Counted from when this run was due, not
    // from when the timer and the fork got to it: no drift.
    const auto now = loop_.now();
    arm(entry, std::max(entry.due + entry.every, now) - now);
  }
  publish();
}

void PeriodicJobs::record(Entry& entry, int wait_status) {
  const pid_t pid = entry.pid;
  if (entry.timeout_timer != 0) loop_.cancel(entry.timeout_timer);
  entry.timeout_timer = 0;
  // Whatever the run left in its group goes with it: the next run must not
  // meet it.
  if (ctx_.host.group_alive(pid)) ctx_.host.signal_group(pid, SIGKILL);
  entry.output.reset();  // takes what the pipes still hold
  const auto took = loop_.now() - entry.started_at;
  const std::optional<int> code = shell_exit_code(wait_status);
  ++entry.runs;
  if (entry.timed_out) ++entry.timeouts;
  entry.last_exit_code = code;
  entry.last_duration = seconds(took);
  entry.pid = 0;
  if (code == 0) {
    spdlog::info("periodic job {}: run (pid {}) done after {:.1f} s", entry.job.name, pid,
                 entry.last_duration);
  } else {
    spdlog::warn("periodic job {}: run (pid {}) failed ({}{}) after {:.1f} s", entry.job.name, pid,
                 describe_wait_status(wait_status), entry.timed_out ? ", its timeout" : "",
                 entry.last_duration);
  }
  if (ctx_.metrics) {
    ctx_.metrics->periodic_ran(entry.job.name, code.value_or(-1), took, entry.timed_out);
  }
}

void PeriodicJobs::stop() {
  std::vector<Entry*> killed;
  for (auto& entry : jobs_) {
    entry->armed = false;
    if (entry->next_timer != 0) loop_.cancel(entry->next_timer);
    entry->next_timer = 0;
    if (entry->pid == 0) continue;
    spdlog::info("periodic job {}: stopping: SIGKILL to the run in flight (pid {})",
                 entry->job.name, entry->pid);
    kill_run(*entry);
    killed.push_back(entry.get());
  }
  if (!killed.empty()) {
    // After SIGKILL the groups go at once; this only bounds a stuck one.
    const auto deadline = loop_.now() + kStopWait;
    std::unique_lock<std::mutex> lock(board_->mu);
    auto gone = [&] {
      return std::all_of(killed.begin(), killed.end(), [&](const Entry* e) {
        return board_->exits.count(e->pid) && !ctx_.host.group_alive(e->pid);
      });
    };
    Clock::time_point woke = Clock::time_point::min();
    while (!gone()) {
      const auto now = std::max(loop_.now(), woke);
      if (now >= deadline) break;
      woke = ctx_.host.wait_until(lock, board_->cv, std::min(deadline, now + kGroupPoll));
    }
    std::map<Entry*, int> statuses;
    for (Entry* e : killed) {
      auto it = board_->exits.find(e->pid);
      if (it == board_->exits.end()) continue;
      statuses[e] = it->second;
      board_->exits.erase(it);
    }
    lock.unlock();
    for (Entry* e : killed) {
      auto it = statuses.find(e);
      if (it != statuses.end()) {
        record(*e, it->second);
        continue;
      }
      spdlog::error("periodic job {}: run (pid {}) survived SIGKILL for {} s; giving up on it",
                    e->job.name, e->pid, seconds(kStopWait));
      if (e->timeout_timer != 0) loop_.cancel(e->timeout_timer);
      e->timeout_timer = 0;
      e->output.reset();
      e->pid = 0;
    }
  }
  publish();
}

std::vector<PeriodicStatus> PeriodicJobs::states() const {
  std::vector<PeriodicStatus> out;
  out.reserve(jobs_.size());
  for (const auto& entry : jobs_) {
    PeriodicStatus status;
    status.name = entry->job.name;
    status.running = entry->pid != 0;
    status.pid = entry->pid;
    status.runs = entry->runs;
    status.timeouts = entry->timeouts;
    status.last_exit_code = entry->last_exit_code;
    status.last_duration = entry->last_duration;
    out.push_back(std::move(status));
  }
  return out;
}

nlohmann::json PeriodicJobs::view() const {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& e : jobs_) {
    const Entry& entry = *e;
    const char* state = entry.pid != 0 ? "running" : entry.armed ? "waiting" : "stopped";
    out[entry.job.name] = {
        {"state", state},
        {"pid", entry.pid},
        {"runs", entry.runs},
        {"timeouts", entry.timeouts},
        {"last_exit_code",
         entry.last_exit_code ? nlohmann::json(*entry.last_exit_code) : nlohmann::json()},
        {"last_duration", entry.last_duration}};
  }
  return out;
}

void PeriodicJobs::publish() {
  if (ctx_.hints) ctx_.hints->set_periodic(view());
}

}  // namespace ochopod::detail
