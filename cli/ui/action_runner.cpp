#include "cli/ui/action_runner.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "cli/ui/live/hub.h"
#include "runtime/base/parallel.h"

namespace ochopod::cli::ui {

namespace {

constexpr size_t kFanOut = 16;
const std::set<std::string> kActions = {"on",     "off",  "restart",        "kill",
                                        "signal", "exec", "rolling-restart"};

WallTime wall_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string keys_of(const ActionRecord& record) {
  std::string out;
  for (const auto& pod : record.pods) out += (out.empty() ? "#" : " #") + std::to_string(pod.seq);
  return out;
}

std::string outcomes_of(const ActionRecord& record) {
  std::string out;
  for (const auto& pod : record.pods) {
    if (!out.empty()) out += ", ";
    out += "#" + std::to_string(pod.seq) + " " + (pod.done ? pod.outcome : "not run");
  }
  return out;
}

ActionOutcome outcome_of(const PodRecord& pod, const PodResult& result) {
  ActionOutcome out;
  out.key = pod.key();
  out.seq = pod.seq;
  out.done = true;
  out.ok = result.ok;
  out.http = result.http;
  out.outcome =
      result.ok ? (result.http ? std::to_string(result.http) + " ok" : "ok") : result.error;
  return out;
}

}  // namespace

ActionRunner::ActionRunner(Hub& hub, Reach reach) : hub_(hub), reach_(std::move(reach)) {}

ActionRunner::~ActionRunner() {
  {
    std::lock_guard lock(mu_);
    cancelled_.insert(running_.begin(), running_.end());
  }
  rolling_loop_.stop();
  loop_.stop();
}

ActionStart ActionRunner::start(const ActionDraft& draft, const std::string& who,
                                const Snapshot& snapshot) {
  ActionStart out;
  auto refuse = [&out](int status, std::string why) {
    out.status = status;
    out.error = std::move(why);
    return out;
  };
  if (kActions.count(draft.action) == 0)
    return refuse(400, "unknown action '" + draft.action + "'");
  const ClusterView* cluster = snapshot.cluster(draft.cluster);
  if (cluster == nullptr) return refuse(404, "no cluster '" + draft.cluster + "'");
  if (!draft.all && draft.seqs.empty()) return refuse(400, "no pod chosen");

  std::vector<PodRecord> targets;
  std::set<std::string> expected(draft.expect.begin(), draft.expect.end());
  if (draft.all) {
    for (const auto& pod : cluster->pods) targets.push_back(pod.record);
  } else {
    for (const int seq : draft.seqs) {
      const PodView* pod = snapshot.pod(draft.cluster, seq);
      if (pod == nullptr) {
        out.left.push_back(draft.cluster + " #" + std::to_string(seq));
      } else {
        targets.push_back(pod->record);
      }
    }
    if (targets.size() == cluster->pods.size() && targets.size() > 1) {
      return refuse(400, "these are all " + std::to_string(targets.size()) + " pods of " +
                             draft.cluster + ": tick \"all pods\" to act on all");
    }
  }
  // The pods confirmed (by uuid) must be exactly the pods targeted now: a
  // seq that is gone, or a uuid replaced or added since, is a 409.
  if (!draft.expect.empty()) {
    std::set<std::string> now;
    for (const auto& pod : targets) {
      now.insert(pod.uuid);
      if (expected.count(pod.uuid) == 0) out.joined.push_back(pod.key());
    }
    if (out.left.empty()) {
      for (const auto& uuid : expected) {
        if (now.count(uuid) == 0)
          out.left.push_back(draft.cluster + " (" + uuid.substr(0, 8) + ")");
      }
    }
  }
  if (!out.left.empty() || !out.joined.empty()) {
    return refuse(409, "the pods changed since they were confirmed");
  }
  if (targets.empty()) return refuse(400, draft.cluster + " has no pod");
  if (draft.action == "kill" && draft.confirm != draft.cluster) {
    return refuse(400, "type the cluster's name (" + draft.cluster + ") to confirm a kill");
  }
  if (draft.action == "signal") {
    const auto body = nlohmann::json::parse(draft.body, nullptr, false);
    if (!body.is_object()) return refuse(400, "the signal's body must be a JSON object");
  }
  if (draft.action == "exec" && draft.tool.find_first_not_of(' ') == std::string::npos) {
    return refuse(400, "name the tool to run");
  }

  ActionRecord record;
  record.id = next_id_++;
  record.action = draft.action;
  record.cluster = draft.cluster;
  record.detail = draft.action == "signal" ? draft.body : draft.action == "exec" ? draft.tool : "";
  record.who = who;
  record.started = wall_now();
  for (const auto& pod : targets) {
    ActionOutcome pending;
    pending.key = pod.key();
    pending.seq = pod.seq;
    record.pods.push_back(std::move(pending));
  }
  spdlog::info("[ui] action {} {} {} {} by {}", record.id, record.action, record.cluster,
               keys_of(record), who);
  const bool rolling = record.action == "rolling-restart";
  if (rolling) {
    std::lock_guard lock(mu_);
    running_.insert(record.id);
  }
  hub_.put_action(record);
  out.id = record.id;
  (rolling ? rolling_loop_ : loop_).post([this, record, targets, draft]() mutable {
    run(std::move(record), std::move(targets), std::move(draft));
  });
  return out;
}

bool ActionRunner::cancel(uint64_t id) {
  std::lock_guard lock(mu_);
  if (running_.count(id) == 0) return false;
  cancelled_.insert(id);
  return true;
}

bool ActionRunner::cancelled(uint64_t id) const {
  std::lock_guard lock(mu_);
  return cancelled_.count(id) != 0;
}

void ActionRunner::run(ActionRecord record, std::vector<PodRecord> pods, ActionDraft draft) {
  if (record.action == "rolling-restart") {
    run_rolling(record, pods);
  } else {
    std::mutex progress;
    parallel_for(
        pods.size(), kFanOut,
        [&](size_t i) {
          PodResult result;
          if (record.action == "restart") {
            result = restart_action(pods[i], reach_);
          } else if (record.action == "exec") {
            result = exec_action(pods[i], reach_, draft.tool, {});
          } else {
            result = control_action(pods[i], reach_, record.action,
                                    record.action == "signal" ? draft.body : "");
          }
          std::lock_guard lock(progress);
          record.pods[i] = outcome_of(pods[i], result);
          if (record.action == "exec" && result.data.contains("stdout")) {
            for (const auto& line : result.data["stdout"]) {
              record.output.push_back("#" + std::to_string(pods[i].seq) + " " +
                                      (line.is_string() ? line.get<std::string>() : line.dump()));
            }
          }
          hub_.put_action(record);
        },
        nullptr, "ui-action");
  }
  record.finished = wall_now();
  {
    std::lock_guard lock(mu_);
    record.cancelled = cancelled_.count(record.id) != 0;
    running_.erase(record.id);
    cancelled_.erase(record.id);
  }
  spdlog::info("[ui] action {} {} {} by {}{}: {}", record.id, record.action, record.cluster,
               record.who, record.cancelled ? " (cancelled)" : "", outcomes_of(record));
  hub_.put_action(record);
  hub_.refresh(record.cluster);
}

void ActionRunner::run_rolling(ActionRecord& record, const std::vector<PodRecord>& pods) {
  for (size_t i = 0; i < pods.size(); ++i) {
    if (cancelled(record.id)) return;
    const PodResult result = restart_action(pods[i], reach_);
    record.pods[i] = outcome_of(pods[i], result);
    hub_.put_action(record);
    hub_.refresh(record.cluster);
    if (!result.ok) return;  // stops on the first failure: the rest keep running
    if (!wait_running(pods[i], record.id)) {
      if (cancelled(record.id)) return;  // cut short by the cancel: not the pod's failure
      record.pods[i].ok = false;
      record.pods[i].outcome = "did not come back running";
      hub_.put_action(record);
      return;
    }
  }
}

// After its restart, a pod's next must wait until it runs again: polls its
// /info twice a second for at most four times -t (at least 4 s).
bool ActionRunner::wait_running(const PodRecord& pod, uint64_t id) {
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::duration<double>(std::max(reach_.timeout, 1.0) * 4);
  while (std::chrono::steady_clock::now() < deadline && !cancelled(id)) {
    const PodResult info = info_action(pod, reach_);
    if (info.ok && info.data["info"].value("process", "") == "running") return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  return false;
}

}  // namespace ochopod::cli::ui
