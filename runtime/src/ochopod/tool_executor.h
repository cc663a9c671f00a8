// ToolExecutor: where /exec calls run, off the control port's I/O thread and
// off the lifecycle.
//
// A few "tool" threads, started when calls come and ended after a short idle
// time, so an idle pod keeps none (the pod's thread budget is 8). Each tool
// runs at most `per_tool` calls at once, with at most `per_tool_waiting` more
// waiting; a call past either is refused (the caller answers 503). The
// control port's I/O thread submits; the jobs answer through their Responder.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <list>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "ochopod/control_server.h"
#include "ochopod/tool.h"

namespace ochopod {

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
  // Drops the waiting calls, waits for the running ones (bounded by their
  // timeouts) and joins every thread.
  ~ToolExecutor();
  ToolExecutor(const ToolExecutor&) = delete;
  ToolExecutor& operator=(const ToolExecutor&) = delete;

  // Queues job under key (the tool's tag); false if the key's caps are full.
  bool submit(const std::string& key, std::function<void()> job);

 private:
  struct Worker {
    std::thread thread;
    bool finished = false;
  };
  struct Job {
    std::string key;
    std::function<void()> run;
  };
  void work(std::list<Worker>::iterator self);
  // Under mu_: the first waiting job whose key has room, or end().
  std::deque<Job>::iterator next_runnable();

  const Options options_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> waiting_;
  std::map<std::string, size_t> running_, queued_;
  std::list<Worker> workers_;
  size_t idle_ = 0;
  bool stopping_ = false;
};

// The /exec handler of a pod: unknown tools 404 at once, the rest run on
// executor with their timeout; when it passes (plus a short grace for a
// command's group to be killed) the caller gets the timeout answer.
std::function<void(ExecCall, Responder)> serve_exec(const ToolBox& tools, ToolExecutor& executor);

}  // namespace ochopod
