// ActionRunner: the operator actions of the dashboard (docs/ui.md "Actions"),
// through the operator commands' own per-pod calls (cli/ops/actions.h), so a
// button means exactly what `ochopod off`, `kill`, `signal`, `exec`... mean.
//
// start() checks a draft against the snapshot the person saw: the action and
// its confirmation (kill: the cluster's name typed; every pod: "all"), and
// the membership (the pods confirmed must still be the pods registered: 409
// with the difference otherwise). It then queues the action on its own
// "ui-action" thread, which calls the pods in parallel (a rolling restart one
// at a time, cancellable) and reports each step to the hub, which shows it.
// Every action is logged with who asked and what each pod answered. Rolling
// restarts, which take minutes, run on a "ui-rolling" thread of their own so
// that they never hold up the other actions. start() and cancel() are called
// by the router on the HTTP thread: they never block.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "cli/ops/actions.h"
#include "cli/ui/model.h"
#include "runtime/base/event_loop.h"

namespace ochopod::cli::ui {

class Hub;

struct ActionStart {
  int status = 202;                 // 202 started, 400 bad draft, 404 no such cluster, 409 drift
  uint64_t id = 0;                  // 202
  std::string error;                // otherwise, for people
  std::vector<std::string> left;    // 409: confirmed pods no longer there ("<cluster> #<seq>")
  std::vector<std::string> joined;  // 409: pods there that were not confirmed
};

class ActionRunner {
 public:
  ActionRunner(Hub& hub, Reach reach);
  ~ActionRunner();  // cancels what runs and joins the thread
  ActionRunner(const ActionRunner&) = delete;
  ActionRunner& operator=(const ActionRunner&) = delete;

  ActionStart start(const ActionDraft& draft, const std::string& who, const Snapshot& snapshot);
  // Stops a rolling restart before its next pod; false if id is not a
  // rolling restart still running (other actions are over in one -t).
  bool cancel(uint64_t id);
  // Whether start() gave out this id (its record may not be shown yet).
  bool issued(uint64_t id) const { return id > 0 && id < next_id_.load(); }
  // Runs a one-off pod call for the router (the JSON API's /log) on this
  // thread, so the HTTP thread never waits for a pod.
  void defer(std::function<void()> work) { loop_.post(std::move(work)); }

 private:
  void run(ActionRecord record, std::vector<PodRecord> pods, ActionDraft draft);
  void run_rolling(ActionRecord& record, const std::vector<PodRecord>& pods);
  bool wait_running(const PodRecord& pod, uint64_t id);
  bool cancelled(uint64_t id) const;

  Hub& hub_;
  const Reach reach_;
  std::atomic<uint64_t> next_id_{1};
  mutable std::mutex mu_;
  std::set<uint64_t> running_;  // rolling restarts still running
  std::set<uint64_t> cancelled_;
  // Last: stopped before the rest goes.
  EventLoop loop_{"ui-action"};
  EventLoop rolling_loop_{"ui-rolling"};
};

}  // namespace ochopod::cli::ui
