#include "models/reactive/round.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <optional>
#include <vector>

#include "models/reactive/phase.h"
#include "models/reactive/snapshot.h"
#include "runtime/base/parallel.h"
#include "runtime/control/body/body_diff.h"

namespace ochopod {

using nlohmann::json;

namespace {

using Millis = std::chrono::duration<double, std::milli>;

// Why a phase failed on a pod, as the round's error says it.
std::string phase_failure(const std::string& task, const std::string& url, int code) {
  return task + " failed on " + url + " (" +
         (code ? "HTTP " + std::to_string(code) : "unreachable") + ")" +
         (code == 409 ? ": it took a newer leader's fence, we no longer lead" : "");
}

// The plan's pods in sorted-key order, each with its control URL; false,
// with *error, when one does not expose its control port.
bool targets_of(const RoundPlan& plan, std::vector<Target>* targets, std::string* error) {
  for (auto it = plan.pods.begin(); it != plan.pods.end(); ++it) {
    std::string url = control_url(*it);
    if (url.empty()) {
      *error = "pod " + it.key() + " does not expose its control port";
      return false;
    }
    targets->push_back({it.key(), std::move(url), {}});
  }
  return true;
}

std::vector<std::string> urls_of(const std::vector<Target>& targets) {
  std::vector<std::string> urls;
  urls.reserve(targets.size());
  for (const auto& t : targets) urls.push_back(t.url);
  return urls;
}

// The check as what changed for the pods that kept the last round's body,
// unless most of the cluster changed (then a diff would not be smaller).
std::optional<CheckDiff> check_diff(const RoundBase* base, const RoundPlan& plan) {
  if (!base || base->id.empty() || base->holders.empty()) return std::nullopt;
  auto written = body_diff::write(base->pods, plan.pods, plan.dependencies);
  if (written.changed * 2 > plan.pods.size()) return std::nullopt;
  return CheckDiff{std::move(written.head), base->id, &base->holders};
}

// What the next round's checks are diffs against: this round's body, and
// the pods that said they kept it.
void remember_base(RoundBase* base, const PhaseBody& body, const json& pods,
                   const json& dependencies, const std::vector<Target>& alive) {
  if (!base) return;
  base->id = body.id();
  base->pods = pods;
  base->dependencies = dependencies;
  base->holders.clear();
  for (const auto& t : alive) {
    if (t.held == body.id()) base->holders.insert(t.key);
  }
}

// One round's steps, on the leader's worker thread.
class Round {
 public:
  Round(const RoundPlan& plan, RoundCancel& cancel, PodTransport& transport, RoundResult& result)
      : plan_(plan),
        cancel_(cancel),
        sender_(transport, plan.grace, &cancel, plan.trust, plan.fence),
        result_(result) {}

  // Whether the round was cancelled; says so in the result if it was.
  bool aborted() {
    if (!cancel_.cancelled()) return false;
    result_.cancelled = true;
    result_.error = "cancelled: the leader may not lead";
    return true;
  }

  // check, with every registered pod, dead ones included.
  std::vector<int> check(std::vector<Target>& targets, const PhaseBody& body) {
    const auto diff = check_diff(plan_.base.get(), plan_);
    const CheckDiff* as_diff = diff ? &*diff : nullptr;
    auto codes =
        fan_out("check", targets, [&](Target& t) { return sender_.check(t, body, as_diff); });
    result_.checks_as_diff = sender_.checks_as_diff();
    if (diff) {
      spdlog::info("round: {} of {} check(s) went as what changed", result_.checks_as_diff,
                   targets.size());
    }
    return codes;
  }

  // The pods that answered check 200 into *alive; 410 (dead) into *dead.
  // False, with the error, when another answer fails the round.
  bool drop_dead(const std::vector<Target>& targets, const std::vector<int>& codes,
                 std::vector<Target>* alive, std::vector<std::string>* dead) {
    for (size_t i = 0; i < targets.size(); ++i) {
      if (codes[i] == 410) {
        spdlog::info("round: pod {} is dead, dropped", targets[i].key);
        dead->push_back(targets[i].key);
        continue;
      }
      if (codes[i] != 200) {
        result_.error = phase_failure("check", targets[i].url, codes[i]);
        return false;
      }
      alive->push_back(targets[i]);
    }
    return true;
  }

  // off or on: false, with the error, unless every pod answered 200.
  bool all_pass(const char* task, std::vector<Target>& alive, const PhaseBody& body) {
    const auto codes = fan_out(task, alive, [&](Target& t) { return sender_.send(t, task, body); });
    if (aborted()) return false;
    for (size_t i = 0; i < alive.size(); ++i) {
      if (codes[i] != 200) {
        result_.error = phase_failure(task, alive[i].url, codes[i]);
        return false;
      }
    }
    return true;
  }

  // ok: answers ignored, but sent before the round is declared done so the
  // configured() callbacks see the same view.
  void ok(std::vector<Target>& alive, const PhaseBody& body) {
    fan_out("ok", alive, [&](Target& t) { return sender_.send(t, "ok", body); });
  }

 private:
  // Runs fn over every target, one at a time or in parallel (bounded), and
  // returns the codes in target order (0 for a target not contacted). The
  // calling thread only supervises: it is the one that cuts a cancelled
  // round's requests short.
  std::vector<int> fan_out(const char* task, std::vector<Target>& targets,
                           const std::function<int(Target&)>& fn) {
    std::vector<int> codes(targets.size(), 0);
    if (targets.empty()) return codes;
    const auto start = std::chrono::steady_clock::now();
    // Each answer's time, so the log can name the pod that held the phase up.
    std::vector<double> took(targets.size(), 0);
    const size_t threads = parallel_for(
        targets.size(), plan_.sequential ? 1 : plan_.max_parallel,
        [&](size_t i) {
          const auto sent = std::chrono::steady_clock::now();
          codes[i] = fn(targets[i]);
          took[i] = Millis(std::chrono::steady_clock::now() - sent).count();
        },
        &cancel_, "round");
    // The round's profile, phase by phase: where a large round's time goes,
    // and the slowest pod's share of it.
    const size_t slowest = std::max_element(took.begin(), took.end()) - took.begin();
    spdlog::info("round: {} to {} pod(s), {} at a time, in {:.1f} ms (slowest {:.1f} ms, {})", task,
                 targets.size(), threads, Millis(std::chrono::steady_clock::now() - start).count(),
                 took[slowest], targets[slowest].key);
    return codes;
  }

  const RoundPlan& plan_;
  RoundCancel& cancel_;
  PhaseSender sender_;
  RoundResult& result_;
};

}  // namespace

RoundResult run_round(const RoundPlan& plan) {
  const auto cancel = plan.cancel ? plan.cancel : std::make_shared<RoundCancel>();
  RoundResult result;
  std::vector<Target> targets;
  if (!targets_of(plan, &targets, &result.error)) return result;
  std::optional<HttpPodTransport> network;
  PodTransport& transport = plan.transport ? *plan.transport : network.emplace(urls_of(targets));
  Round round(plan, *cancel, transport, result);

  const PhaseBody check_body(plan.pods, plan.dependencies);
  const auto codes = round.check(targets, check_body);
  if (round.aborted()) return result;
  std::vector<Target> alive;
  std::vector<std::string> dead;
  if (!round.drop_dead(targets, codes, &alive, &dead)) return result;
  // Without dead pods, on and ok carry check's body: for a large cluster,
  // another copy and dump of the map would cost more than the HTTP.
  json pods = plan.pods;
  for (const auto& key : dead) pods.erase(key);
  std::optional<PhaseBody> rebuilt;
  if (!dead.empty()) rebuilt.emplace(pods, plan.dependencies);
  const PhaseBody& body = rebuilt ? *rebuilt : check_body;

  if (plan.full_shutdown && !round.all_pass("off", alive, body)) return result;
  if (!round.all_pass("on", alive, body)) return result;
  round.ok(alive, body);
  remember_base(plan.base.get(), body, pods, plan.dependencies, alive);
  // Cancelled during ok or not, every pod is on: the caller stores the outcome
  // once it may lead again, rather than redo the round.
  result.ok = true;
  result.configured = std::move(pods);
  return result;
}

}  // namespace ochopod
