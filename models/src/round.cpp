#include "ochopod/round.h"

#include <httplib.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "ochopod/snapshot.h"
#include "ochopod/text.h"

namespace ochopod {

using nlohmann::json;
using Seconds = std::chrono::duration<double>;

int post_control(const std::string& url, const std::string& path, const std::string& body,
                 Seconds timeout) {
  httplib::Client client(url);
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(timeout).count();
  const time_t sec = static_cast<time_t>(micros / 1000000);
  const time_t usec = static_cast<time_t>(micros % 1000000);
  // cpp-httplib's connect timeout defaults to 300 s: bound every phase.
  client.set_connection_timeout(std::min<time_t>(sec, 5), sec >= 5 ? 0 : usec);
  client.set_read_timeout(sec, usec);
  client.set_write_timeout(sec, usec);
  auto result = client.Post(path, body, "application/json");
  if (!result) return 0;
  return result->status;
}

namespace {

struct Target {
  std::string key;
  std::string url;
};

// Runs fn over every target, one at a time or in parallel (bounded), and
// returns the codes in target order.
std::vector<int> fan_out(const std::vector<Target>& targets, const RoundPlan& plan,
                         const std::function<int(const Target&)>& fn) {
  std::vector<int> codes(targets.size(), 0);
  if (plan.sequential) {
    for (size_t i = 0; i < targets.size(); ++i) {
      if (plan.abort && plan.abort->load()) break;
      codes[i] = fn(targets[i]);
    }
    return codes;
  }
  std::atomic<size_t> next{0};
  const size_t workers = std::min(targets.size(), plan.max_parallel);
  std::vector<std::thread> threads;
  threads.reserve(workers);
  for (size_t w = 0; w < workers; ++w) {
    threads.emplace_back([&] {
      for (size_t i = next++; i < targets.size(); i = next++) codes[i] = fn(targets[i]);
    });
  }
  for (auto& t : threads) t.join();
  return codes;
}

// The payload of one phase, serialized once; only the receiver's key differs
// per pod. Keys in the order nlohmann::json would sort them.
class PhaseBody {
 public:
  PhaseBody(const json& pods, const json& dependencies)
      : head_("{\"dependencies\":" + to_json(dependencies) + ",\"key\":"),
        tail_(",\"pods\":" + to_json(pods) + "}") {}
  std::string for_key(const std::string& key) const { return head_ + to_json(key) + tail_; }

 private:
  std::string head_;
  std::string tail_;
};

}  // namespace

RoundResult run_round(const RoundPlan& plan) {
  RoundResult result;
  const auto aborted = [&] { return plan.abort && plan.abort->load(); };
  const int grace_seconds = std::max(1, static_cast<int>(std::ceil(plan.grace.count())));
  const Seconds timeout = plan.grace * 1.25;
  const std::string suffix = "/" + std::to_string(grace_seconds);

  std::vector<Target> targets;
  for (auto it = plan.pods.begin(); it != plan.pods.end(); ++it) {  // sorted keys
    const std::string url = control_url(*it);
    if (url.empty()) {
      result.error = "pod " + it.key() + " does not expose its control port";
      return result;
    }
    targets.push_back({it.key(), url});
  }

  // check: with every registered pod, dead ones included; 410 drops a pod.
  const PhaseBody check_body(plan.pods, plan.dependencies);
  const auto check = fan_out(targets, plan, [&](const Target& t) {
    return post_control(t.url, "/control/check" + suffix, check_body.for_key(t.key), timeout);
  });
  if (aborted()) {
    result.error = "leadership lost";
    return result;
  }
  std::vector<Target> alive;
  json pods = json::object();
  for (size_t i = 0; i < targets.size(); ++i) {
    if (check[i] == 410) {
      spdlog::info("round: pod {} is dead, dropped", targets[i].key);
      continue;
    }
    if (check[i] != 200) {
      result.error = "check failed on " + targets[i].url + " (" +
                     (check[i] ? "HTTP " + std::to_string(check[i]) : "unreachable") + ")";
      return result;
    }
    alive.push_back(targets[i]);
    pods[targets[i].key] = plan.pods[targets[i].key];
  }

  const PhaseBody body(pods, plan.dependencies);
  auto must_all_pass = [&](const char* task) {
    const auto codes = fan_out(alive, plan, [&](const Target& t) {
      return post_control(t.url, std::string("/control/") + task + suffix, body.for_key(t.key),
                          timeout);
    });
    if (aborted()) {
      result.error = "leadership lost";
      return false;
    }
    for (size_t i = 0; i < alive.size(); ++i) {
      if (codes[i] != 200) {
        result.error = std::string(task) + " failed on " + alive[i].url + " (" +
                       (codes[i] ? "HTTP " + std::to_string(codes[i]) : "unreachable") + ")";
        return false;
      }
    }
    return true;
  };
  if (plan.full_shutdown && !must_all_pass("off")) return result;
  if (!must_all_pass("on")) return result;

  // ok: answers ignored, but sent before the round is declared done so the
  // configured() callbacks see the same view.
  fan_out(alive, plan, [&](const Target& t) {
    return post_control(t.url, "/control/ok" + suffix, body.for_key(t.key), timeout);
  });
  result.ok = true;
  result.configured = std::move(pods);
  return result;
}

}  // namespace ochopod
