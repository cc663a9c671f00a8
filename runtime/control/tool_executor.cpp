#include "runtime/control/tool_executor.h"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <vector>

namespace ochopod {

using nlohmann::json;

namespace {
thread_local std::shared_ptr<CallCancel> current_call;
}  // namespace

void CallCancel::cancel() {
  std::lock_guard<std::mutex> lock(mu_);
  if (cancelled_) return;
  cancelled_ = true;
  for (auto& [id, hook] : hooks_) {
    try {
      hook();
    } catch (const std::exception& e) {
      spdlog::error("/exec: a cancellation hook failed: {}", e.what());
    }
  }
  hooks_.clear();
}

bool CallCancel::cancelled() const {
  std::lock_guard<std::mutex> lock(mu_);
  return cancelled_;
}

uint64_t CallCancel::add(std::function<void()> hook) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!cancelled_) {
      hooks_.emplace(++next_id_, std::move(hook));
      return next_id_;
    }
  }
  hook();
  return 0;
}

void CallCancel::remove(uint64_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  hooks_.erase(id);
}

std::shared_ptr<CallCancel> CallCancel::current() { return current_call; }

CallCancel::Scope::Scope(std::shared_ptr<CallCancel> call) : previous_(std::move(current_call)) {
  current_call = std::move(call);
}

CallCancel::Scope::~Scope() { current_call = std::move(previous_); }

ToolExecutor::ToolExecutor() : ToolExecutor(Options{}) {}

ToolExecutor::ToolExecutor(Options options) : options_(options) {}

ToolExecutor::~ToolExecutor() {
  stop_all();
  std::list<Worker> workers;
  {
    std::lock_guard<std::mutex> lock(mu_);
    workers.swap(workers_);
  }
  for (auto& w : workers) w.thread.join();
}

void ToolExecutor::stop_all() {
  std::deque<Job> dropped;
  std::vector<std::shared_ptr<CallCancel>> running;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    dropped.swap(waiting_);
    queued_.clear();
    running.assign(running_calls_.begin(), running_calls_.end());
  }
  cv_.notify_all();
  if (!dropped.empty() || !running.empty()) {
    spdlog::warn("/exec: stopping: {} waiting call(s) dropped, {} running call(s) cancelled",
                 dropped.size(), running.size());
  }
  // Outside mu_: the hooks answer and kill, and a job ending needs mu_.
  for (auto& job : dropped)
    if (job.cancel) job.cancel->cancel();
  for (auto& call : running) call->cancel();
}

bool ToolExecutor::submit(const std::string& key, std::function<void()> job,
                          std::shared_ptr<CallCancel> cancel) {
  std::lock_guard<std::mutex> lock(mu_);
  if (stopping_) {
    spdlog::warn("/exec {}: the pod is stopping: 503", key);
    return false;
  }
  if (running_[key] + queued_[key] >= options_.per_tool + options_.per_tool_waiting) {
    spdlog::warn("/exec {}: {} call(s) running and {} waiting already: 503", key, running_[key],
                 queued_[key]);
    return false;
  }
  waiting_.push_back(Job{key, std::move(job), std::move(cancel)});
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
    if (job.cancel) running_calls_.insert(job.cancel);
    lock.unlock();
    try {
      CallCancel::Scope scope(job.cancel);
      job.run();
    } catch (const std::exception& e) {
      spdlog::error("/exec {}: the call failed unexpectedly: {}", job.key, e.what());
    }
    job.run = nullptr;  // its Responder goes now, not with the next job
    lock.lock();
    --running_[job.key];
    if (job.cancel) running_calls_.erase(job.cancel);
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
    auto cancel = std::make_shared<CallCancel>();
    // First, so it answers before the hooks kill: a call cancelled by the
    // pod's stop answers 503 whether or not its tool can be stopped. After a
    // hang-up the request counts as answered and this reply is dropped.
    cancel->add([responder] { responder.reply(503); });
    // Weak: the request's state holds this, and the call holds the request.
    responder.on_hangup([weak = std::weak_ptr<CallCancel>(cancel), tag] {
      spdlog::info("/exec {}: its caller hung up: cancelling the call", tag);
      if (auto c = weak.lock()) c->cancel();
    });
    const bool queued = executor.submit(
        tag,
        [&tools, call = std::move(call), timeout, responder, cancel] {
          if (responder.answered() || cancel->cancelled()) {
            spdlog::warn("/exec {}: dropped before it started: its caller was answered or hung up",
                         ToolBox::tag_of(call.shell));
            return;
          }
          const ExecReply r = tools.run(call.shell, call.uploads, timeout);
          responder.reply(r.http_status, r.body);
        },
        cancel);
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
