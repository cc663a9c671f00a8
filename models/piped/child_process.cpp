#include "models/piped/child_process.h"

#include <signal.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <condition_variable>
#include <map>
#include <mutex>
#include <utility>

#include "models/child/child_output.h"
#include "runtime/base/wait_status.h"

namespace ochopod::detail {

// Shared with the host's on_exit (the signal thread) and with the tasks it
// posts, both of which may come after this object is gone: they hold it
// weakly, and `loop` and `owner` say whether anyone still listens.
struct ChildProcess::Board {
  std::mutex mu;
  std::condition_variable cv;  // a watched child exited, or hurry, or a new budget
  bool hurry = false;          // stops skip what is left of their grace
  // The pod's stop budget, set from main as the stop starts, so a stop
  // already under way (an off, a restart) ends by it too.
  Clock::time_point stop_deadline = Clock::time_point::max();
  std::map<pid_t, int> exits;  // wait statuses not taken in yet
  Scheduler* loop = nullptr;   // null once the ChildProcess is gone
  ChildProcess* owner = nullptr;
};

struct ChildProcess::Running {
  pid_t pid = 0;
  std::unique_ptr<ChildOutput> output;  // pipe_subprocess only
};

ChildProcess::ChildProcess(Scheduler& loop, ChildHost& host, Exited exited, std::string name)
    : loop_(loop),
      host_(host),
      exited_(std::move(exited)),
      name_(std::move(name)),
      board_(std::make_shared<Board>()) {
  board_->loop = &loop_;
  board_->owner = this;
}

ChildProcess::~ChildProcess() {
  std::lock_guard<std::mutex> lock(board_->mu);
  board_->loop = nullptr;
  board_->owner = nullptr;
}

pid_t ChildProcess::start(const SpawnRequest& request) {
  auto on_exit = [weak = std::weak_ptr<Board>(board_)](pid_t pid, int status) {
    auto board = weak.lock();
    if (!board) return;
    std::lock_guard<std::mutex> lock(board->mu);
    board->exits[pid] = status;
    board->cv.notify_all();
    if (board->loop) {
      board->loop->post([weak, pid] {
        auto board = weak.lock();
        if (!board) return;
        ChildProcess* owner = nullptr;
        {
          std::lock_guard<std::mutex> lock(board->mu);
          owner = board->owner;
        }
        if (owner) owner->on_exit(pid);
      });
    }
  };
  Spawned spawned = host_.spawn(request, std::move(on_exit));
  child_ = std::make_unique<Running>();
  child_->pid = spawned.pid;
  pid_ = spawned.pid;
  const int n = ++started_;
  spdlog::info("{} #{} started (pid {})", name_, n, spawned.pid);
  // After that line: the child's own lines come after it in the log.
  if (spawned.out || spawned.err) {
    child_->output =
        std::make_unique<ChildOutput>(std::move(spawned.out), std::move(spawned.err), request.tag);
  }
  return spawned.pid;
}

void ChildProcess::on_exit(pid_t pid) {
  int status = 0;
  {
    std::lock_guard<std::mutex> lock(board_->mu);
    auto it = board_->exits.find(pid);
    if (it == board_->exits.end()) return;  // a stop took it in already
    status = it->second;
    if (!child_ || child_->pid != pid) {
      board_->exits.erase(it);  // a child we had given up on (soft stop)
      return;
    }
  }
  exited_(pid, status);
}

bool ChildProcess::wait_gone(pid_t pgid, Clock::time_point deadline, bool hurry_ends) {
  std::unique_lock<std::mutex> lock(board_->mu);
  Clock::time_point woke = Clock::time_point::min();
  for (;;) {
    // The direct child's exit must be in too: it is ours to reap, and one that
    // left its group would escape group_alive().
    if (board_->exits.count(pgid) && !host_.group_alive(pgid)) return true;
    const auto now = std::max(loop_.now(), woke);
    const auto until = std::min(deadline, board_->stop_deadline);
    if (now >= until || (hurry_ends && board_->hurry)) return false;
    woke = host_.wait_until(lock, board_->cv, std::min(until, now + kGroupPoll));
  }
}

std::optional<int> ChildProcess::stop(const Ask& ask, std::chrono::duration<double> grace,
                                      bool soft) {
  if (!child_) return std::nullopt;
  const pid_t pid = child_->pid;
  if (!wait_gone(pid, loop_.now())) {
    ask(pid);
    const auto grace_time = std::chrono::duration_cast<Clock::duration>(grace);
    // Within the stop's budget: SIGKILL when it runs out, soft or not.
    const bool budget_first = stop_deadline() < loop_.now() + grace_time;
    if (!wait_gone(pid, loop_.now() + grace_time)) {
      const bool hurry = hurried();
      if (budget_first) {
        spdlog::warn("piped: process group {} still running at the end of the stop budget", pid);
      }
      if (soft && !hurry && !budget_first) {
        spdlog::warn("piped: process group {} still running after {} s grace; soft: leaving it",
                     pid, grace.count());
      } else {
        if (hurry) {
          spdlog::warn("piped: asked again to stop: SIGKILL to process group {} now", pid);
        } else {
          spdlog::warn("piped: process group {} still running after {} s grace: SIGKILL", pid,
                       grace.count());
        }
        host_.signal_group(pid, SIGKILL);
        host_.signal_process(pid, SIGKILL);  // in case it left its group
        // Even when hurried: after SIGKILL the group goes at once.
        if (!wait_gone(pid, loop_.now() + kKillWait, false)) {
          spdlog::error("piped: process group {} survived SIGKILL for {} s", pid,
                        std::chrono::duration<double>(kKillWait).count());
        }
      }
    }
  }
  std::optional<int> status;
  {
    std::lock_guard<std::mutex> lock(board_->mu);
    auto it = board_->exits.find(pid);
    if (it != board_->exits.end()) {
      spdlog::info("piped: {} pid {} stopped ({})", name_, pid, describe_wait_status(it->second));
      status = it->second;
      board_->exits.erase(it);
    }
  }
  child_.reset();  // joins the output reader, after taking what the pipe still holds
  pid_ = 0;
  return status;
}

bool ChildProcess::signal(int signo) {
  if (!child_) return false;
  return host_.signal_group(child_->pid, signo);
}

void ChildProcess::kill() {
  if (!child_) return;
  host_.signal_group(child_->pid, SIGKILL);
  host_.signal_process(child_->pid, SIGKILL);
  child_.reset();
  pid_ = 0;
}

bool ChildProcess::wait_drained(const std::function<bool()>& drained,
                                std::chrono::duration<double> grace) {
  const auto deadline =
      std::min(stop_deadline(), loop_.now() + std::chrono::duration_cast<Clock::duration>(grace));
  Clock::time_point woke = Clock::time_point::min();
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(board_->mu);
      auto now = std::max(loop_.now(), woke);
      if (board_->hurry || now >= deadline) return false;
      const auto step = std::min(deadline, now + kDrainPoll);
      while (!board_->hurry && now < step) now = host_.wait_until(lock, board_->cv, step);
      woke = now;
    }
    if (drained()) return true;
  }
}

void ChildProcess::hurry() {
  std::lock_guard<std::mutex> lock(board_->mu);
  board_->hurry = true;
  board_->cv.notify_all();
}

void ChildProcess::stop_by(Clock::time_point deadline) {
  std::lock_guard<std::mutex> lock(board_->mu);
  board_->stop_deadline = deadline;
  board_->cv.notify_all();
}

ChildProcess::Clock::time_point ChildProcess::stop_deadline() const {
  std::lock_guard<std::mutex> lock(board_->mu);
  return board_->stop_deadline;
}

bool ChildProcess::hurried() const {
  std::lock_guard<std::mutex> lock(board_->mu);
  return board_->hurry;
}

}  // namespace ochopod::detail
