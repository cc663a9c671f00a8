#include "ochopod/tool_executor.h"

#include <pthread.h>
#include <spdlog/spdlog.h>

namespace ochopod {

using nlohmann::json;

ToolExecutor::ToolExecutor() : ToolExecutor(Options{}) {}

ToolExecutor::ToolExecutor(Options options) : options_(options) {}

ToolExecutor::~ToolExecutor() {
  std::list<Worker> workers;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    if (!waiting_.empty())
      spdlog::warn("/exec: {} waiting call(s) dropped at stop", waiting_.size());
    waiting_.clear();
    workers.swap(workers_);
  }
  cv_.notify_all();
  for (auto& w : workers) w.thread.join();
}

bool ToolExecutor::submit(const std::string& key, std::function<void()> job) {
  std::lock_guard<std::mutex> lock(mu_);
  if (stopping_) return false;
  if (running_[key] + queued_[key] >= options_.per_tool + options_.per_tool_waiting) {
    spdlog::warn("/exec {}: {} call(s) running and {} waiting already: 503", key, running_[key],
                 queued_[key]);
    return false;
  }
  waiting_.push_back(Job{key, std::move(job)});
  ++queued_[key];
  // Threads that ended are joined here, so none outlives its use for long.
  for (auto it = workers_.begin(); it != workers_.end();) {
    if (it->finished) {
      it->thread.join();
      it = workers_.erase(it);
    } else {
      ++it;
    }
  }
  if (idle_ == 0 && workers_.size() < options_.threads) {
    auto self = workers_.emplace(workers_.end());
    self->thread = std::thread([this, self] { work(self); });
  } else {
    cv_.notify_one();
  }
  return true;
}

std::deque<ToolExecutor::Job>::iterator ToolExecutor::next_runnable() {
  for (auto it = waiting_.begin(); it != waiting_.end(); ++it)
    if (running_[it->key] < options_.per_tool) return it;
  return waiting_.end();
}

void ToolExecutor::work(std::list<Worker>::iterator self) {
  pthread_setname_np(pthread_self(), "tool");
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    auto next = next_runnable();
    if (next == waiting_.end()) {
      ++idle_;
      const bool woken = cv_.wait_for(
          lock, options_.idle, [&] { return stopping_ || next_runnable() != waiting_.end(); });
      --idle_;
      if (!woken) break;  // idle long enough: end, the next call starts a thread
      continue;
    }
    Job job = std::move(*next);
    waiting_.erase(next);
    --queued_[job.key];
    ++running_[job.key];
    lock.unlock();
    try {
      job.run();
    } catch (const std::exception& e) {
      spdlog::error("/exec {}: the call failed unexpectedly: {}", job.key, e.what());
    }
    job.run = nullptr;  // its Responder goes now, not with the next job
    lock.lock();
    --running_[job.key];
    // A call of this tool may have waited for this one's place.
    cv_.notify_all();
  }
  if (!stopping_) self->finished = true;
}

std::function<void(ExecCall, Responder)> serve_exec(const ToolBox& tools, ToolExecutor& executor) {
  return [&tools, &executor](ExecCall call, Responder responder) {
    const std::string tag = ToolBox::tag_of(call.shell);
    if (tag.empty()) return responder.reply(400);
    if (!tools.has(tag)) {
      spdlog::warn("/exec: no tool '{}'", tag);
      return responder.reply(404);
    }
    const auto timeout = tools.timeout_of(tag, call.timeout);
    const bool queued = executor.submit(tag, [&tools, call = std::move(call), timeout, responder] {
      if (responder.answered()) {
        spdlog::warn("/exec {}: dropped before it started: its caller already got the timeout",
                     ToolBox::tag_of(call.shell));
        return;
      }
      const ExecReply r = tools.run(call.shell, call.uploads, timeout);
      responder.reply(r.http_status, r.body);
    });
    if (!queued) return responder.reply(503);
    // The grace lets a command tool answer its own timeout (its group killed,
    // its output kept); a C++ tool that overruns gets this answer instead.
    responder.after(timeout + std::chrono::seconds(2), [responder, tag] {
      spdlog::warn("/exec {}: still running past its timeout: answering 124", tag);
      const ToolResult t = timed_out_result();
      responder.reply(200, json{{"code", t.code}, {"stdout", t.lines}});
    });
  };
}

}  // namespace ochopod
