// ToolExecutor: where /exec calls run, off the control port's I/O thread and
// off the lifecycle.
//
// A few "tool" threads, started when calls come and ended after a short idle
// time, so an idle pod keeps none (the pod's thread budget is 8). Each tool
// runs at most `per_tool` calls at once, with at most `per_tool_waiting` more
// waiting; a call past either is refused (the caller answers 503). The
// control port's I/O thread submits; the jobs answer through their Responder.
//
// Each call carries a CallCancel. It is cancelled when its caller hangs up
// (the control port sees the connection close) or when the pod's stop begins
// (stop_all()): its tool's hooks (on_tool_cancel() in ochopod/tool.h) run at
// once, killing the process groups of the commands it runs, so a stop is
// never held by a tool for up to its timeout.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "ochopod/tool.h"
#include "runtime/control/server.h"

namespace ochopod {

// The cancellation of one /exec call, shared by whoever may cancel it (the
// control port, the executor) and the thread running it. Thread-safe.
class CallCancel {
 public:
  // Runs every registered hook, once, on the calling thread; hooks added
  // later run at once. Idempotent. Cheap as long as the hooks are (they only
  // signal or post).
  void cancel();
  bool cancelled() const;
  // Registers hook; returns its id, or 0 after running it at once (on this
  // thread) when the call is cancelled already.
  uint64_t add(std::function<void()> hook);
  // Once it returns, hook id is not running and never will.
  void remove(uint64_t id);

  // The call running on this thread (null off a call): what on_tool_cancel()
  // registers with. Scope sets it for a call's duration.
  static std::shared_ptr<CallCancel> current();
  class Scope {
   public:
    explicit Scope(std::shared_ptr<CallCancel> call);
    ~Scope();
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    std::shared_ptr<CallCancel> previous_;
  };

 private:
  // Held while hooks run, so remove() waits for a running hook.
  mutable std::mutex mu_;
  bool cancelled_ = false;
  uint64_t next_id_ = 0;
  std::map<uint64_t, std::function<void()>> hooks_;
};

class ToolExecutor {
 public:
  struct Options {
    size_t threads = 4;  // the pod's threads under /exec load: its idle ones + these
    size_t per_tool = 2;
    size_t per_tool_waiting = 2;
    std::chrono::milliseconds idle{2000};  // a thread with nothing to do this long ends
  };

  ToolExecutor();
  explicit ToolExecutor(Options options);
  // stop_all(), then joins every thread: it waits only for the tools that
  // cannot be cancelled (a C++ body running no process).
  ~ToolExecutor();
  ToolExecutor(const ToolExecutor&) = delete;
  ToolExecutor& operator=(const ToolExecutor&) = delete;

  // Queues job under key (the tool's tag); false if the key's caps are full
  // or stop_all() was called. cancel (may be null) is the call's: stop_all()
  // cancels it, whether the call waits or runs. Any thread.
  bool submit(const std::string& key, std::function<void()> job,
              std::shared_ptr<CallCancel> cancel = nullptr);

  // The pod's stop begins: every later submit() is refused, the waiting
  // calls are dropped unrun and cancelled, and the running ones cancelled
  // (their commands' process groups SIGKILLed by their hooks). Returns at
  // once, without waiting for the running calls to end. Any thread;
  // idempotent.
  void stop_all();

 private:
  struct Worker {
    std::thread thread;
    bool finished = false;
  };
  struct Job {
    std::string key;
    std::function<void()> run;
    std::shared_ptr<CallCancel> cancel;
  };
  void work(std::list<Worker>::iterator self);
  // Under mu_: the first waiting job whose key has room, or end().
  std::deque<Job>::iterator next_runnable();

  const Options options_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> waiting_;
  std::map<std::string, size_t> running_, queued_;
  std::set<std::shared_ptr<CallCancel>> running_calls_;
  std::list<Worker> workers_;
  size_t idle_ = 0;
  bool stopping_ = false;
};

// The /exec handler of a pod: unknown tools 404 at once, the rest run on
// executor with their timeout; when it passes (plus a short grace for a
// command's group to be killed) the caller gets the timeout answer. A call
// whose caller hangs up is cancelled; one cancelled by stop_all() answers 503.
std::function<void(ExecCall, Responder)> serve_exec(const ToolBox& tools, ToolExecutor& executor);

}  // namespace ochopod
