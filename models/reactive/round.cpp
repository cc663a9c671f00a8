#include "models/reactive/round.h"

#include <pthread.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <functional>
#include <limits>
#include <mutex>
#include <optional>
#include <random>
#include <thread>
#include <vector>

#include "models/reactive/snapshot.h"
#include "runtime/base/text.h"
#include "runtime/control/body/body_diff.h"
#include "runtime/control/body/body_ref.h"
#include "runtime/http/client.h"

namespace ochopod {

using nlohmann::json;
using Seconds = std::chrono::duration<double>;

void RoundCancel::cancel() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    cancelled_ = true;
  }
  cv_.notify_all();
}

bool RoundCancel::cancelled() const {
  std::lock_guard<std::mutex> lock(mu_);
  return cancelled_;
}

bool RoundCancel::admit(std::function<void()> stop, uint64_t* id) {
  std::lock_guard<std::mutex> lock(mu_);
  if (cancelled_) return false;
  *id = next_id_++;
  stoppers_.emplace(*id, std::move(stop));
  return true;
}

void RoundCancel::leave(uint64_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  stoppers_.erase(id);
}

void RoundCancel::notify() {
  { std::lock_guard<std::mutex> lock(mu_); }  // a supervise() between check and wait sees it
  cv_.notify_all();
}

void RoundCancel::supervise(const std::function<bool()>& done) {
  std::unique_lock<std::mutex> lock(mu_);
  while (!done()) {
    if (!cancelled_) {
      cv_.wait(lock);
      continue;
    }
    // Called under the lock, so no stopper outlives its client; a stop()
    // waits at most for its client's connect, never for the mutex.
    for (auto& [id, stop] : stoppers_) stop();
    cv_.wait_for(lock, std::chrono::milliseconds(20));
  }
}

int control_url_seconds(Seconds grace) {
  const double up = std::ceil(grace.count());
  return up < 1 ? 1 : up > 1e6 ? 1000000 : static_cast<int>(up);
}

Seconds control_client_timeout(Seconds grace) { return Seconds(control_url_seconds(grace) * 1.25); }

namespace {

HttpRequest control_request(const std::string& path, std::vector<std::string_view> body_parts,
                            Seconds timeout, RoundCancel* cancel, const HttpTrust& trust) {
  HttpRequest request;
  request.trust = trust;
  request.path = path;
  request.body_parts = std::move(body_parts);
  request.timeout = timeout;
  // A client cannot be stopped while it connects, so the connect bounds how
  // long cancelling a round (and shutting down) may take: 2 s, plenty for
  // a pod's control port, and one SYN retransmission.
  request.connect_timeout = std::min(timeout, Seconds(2));
  request.cancel = cancel;
  return request;
}

// Connections a round keeps open at once (one per pod, through its phases):
// half the soft limit on open files, so a leader of many pods never runs out
// of descriptors; the pods past it get a connection per request.
size_t keep_alive_budget() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
  if (limit.rlim_cur == RLIM_INFINITY) return std::numeric_limits<size_t>::max();
  return static_cast<size_t>(limit.rlim_cur / 2);
}

}  // namespace

int post_control(const std::string& url, const std::string& path,
                 std::vector<std::string_view> body_parts, Seconds timeout, RoundCancel* cancel,
                 const HttpTrust& trust) {
  return http_send(url, control_request(path, std::move(body_parts), timeout, cancel, trust))
      .status;
}

int post_control(const std::string& url, const std::string& path, const std::string& body,
                 Seconds timeout, RoundCancel* cancel, const HttpTrust& trust) {
  return post_control(url, path, std::vector<std::string_view>{body}, timeout, cancel, trust);
}

namespace {

struct Target {
  std::string key;
  std::string url;
  HttpConnection* connection;  // kept through the round's phases; null: one per request
  std::string held;            // the id of the body the pod said it kept (body_ref.h)
};

// Runs fn over every target, one at a time or in parallel (bounded), and
// returns the codes in target order (0 for a target not contacted). The
// calling thread only supervises: it is the one that cuts a cancelled
// round's requests short.
std::vector<int> fan_out(const char* task, std::vector<Target>& targets, const RoundPlan& plan,
                         RoundCancel& cancel, const std::function<int(Target&)>& fn) {
  std::vector<int> codes(targets.size(), 0);
  if (targets.empty()) return codes;
  const auto start = std::chrono::steady_clock::now();
  // Each answer's time, so the log can name the pod that held the phase up.
  std::vector<double> took(targets.size(), 0);
  std::atomic<size_t> next{0};
  std::atomic<size_t> finished{0};
  const size_t workers = plan.sequential ? 1 : std::min(targets.size(), plan.max_parallel);
  std::vector<std::thread> threads;
  threads.reserve(workers);
  for (size_t w = 0; w < workers; ++w) {
    threads.emplace_back([&] {
      pthread_setname_np(pthread_self(), "round");
      for (size_t i = next++; i < targets.size() && !cancel.cancelled(); i = next++) {
        const auto sent = std::chrono::steady_clock::now();
        codes[i] = fn(targets[i]);
        took[i] = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - sent)
                      .count();
      }
      ++finished;
      cancel.notify();
    });
  }
  cancel.supervise([&] { return finished.load() == workers; });
  for (auto& t : threads) t.join();
  // The round's profile, phase by phase: where a large round's time goes,
  // and the slowest pod's share of it.
  const size_t slowest = std::max_element(took.begin(), took.end()) - took.begin();
  spdlog::info(
      "round: {} to {} pod(s), {} at a time, in {:.1f} ms (slowest {:.1f} ms, {})", task,
      targets.size(), workers,
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count(),
      took[slowest], targets[slowest].key);
  return codes;
}

// The payload of one phase, serialized once; only the receiver's key differs
// per pod, and it is sent between the shared head and tail rather than
// copied into a body of its own (530 KB a request at a thousand pods). Keys
// in the order nlohmann::json would sort them.
//
// Its id names these bytes to the pods that keep them (body_ref.h): random,
// so no two bodies, of this leader or another, share one.
class PhaseBody {
 public:
  PhaseBody(const json& pods, const json& dependencies)
      : head_("{\"dependencies\":" + to_json(dependencies) + ",\"key\":"),
        tail_(",\"pods\":" + to_json(pods) + "}"),
        id_(random_id()) {}
  // key_json: the receiver's key as JSON text, kept alive by the caller.
  std::vector<std::string_view> parts(const std::string& key_json) const {
    return {head_, key_json, tail_};
  }
  const std::string& id() const { return id_; }

 private:
  static std::string random_id() {
    std::random_device device;
    const uint64_t bits = (static_cast<uint64_t>(device()) << 32) | device();
    return fmt::format("{:016x}", bits);
  }

  std::string head_;
  std::string tail_;
  std::string id_;
};

}  // namespace

RoundResult run_round(const RoundPlan& plan) {
  const auto own = plan.cancel ? plan.cancel : std::make_shared<RoundCancel>();
  RoundCancel* cancel = own.get();
  RoundResult result;
  const auto aborted = [&] {
    if (!cancel->cancelled()) return false;
    result.cancelled = true;
    result.error = "cancelled: the leader may not lead";
    return true;
  };
  const Seconds timeout = control_client_timeout(plan.grace);
  const std::string suffix = "/" + std::to_string(control_url_seconds(plan.grace));

  // Each pod gets its phases over one connection (a third of the connects
  // and accepts), closed when the round ends.
  std::vector<Target> targets;
  std::vector<HttpConnection> connections;
  const size_t kept = std::min(plan.pods.size(), keep_alive_budget());
  connections.reserve(kept);
  for (auto it = plan.pods.begin(); it != plan.pods.end(); ++it) {  // sorted keys
    const std::string url = control_url(*it);
    if (url.empty()) {
      result.error = "pod " + it.key() + " does not expose its control port";
      return result;
    }
    HttpConnection* connection = nullptr;
    if (connections.size() < kept) connection = &connections.emplace_back(url);
    targets.push_back({it.key(), url, connection, {}});
  }
  const auto transmit = [&](const Target& t, const HttpRequest& request) {
    return t.connection ? t.connection->send(request) : http_send(t.url, request);
  };
  // Whether the pod's answer says it kept the body of that id.
  const auto says_kept = [](const HttpAnswer& answer, const std::string& id) {
    return answer.status == 200 && answer.header(body_ref::kKept) == id;
  };
  // A pod that kept this body gets its id alone; one that lost it (412), or
  // never kept one (a Python pod), the whole body with its id.
  const auto send = [&](Target& t, const std::string& task, const PhaseBody& body) {
    const std::string path = "/control/" + task + suffix;
    if (t.held == body.id()) {
      auto request = control_request(path, {}, timeout, cancel, plan.trust);
      request.headers.emplace_back(body_ref::kRef, body.id());
      const HttpAnswer answer = transmit(t, request);
      if (answer.status != body_ref::kNotHeld) {
        // An ok answered without the id: that pod will not hold it next round.
        if (answer.status == 200 && !says_kept(answer, body.id())) t.held.clear();
        return answer.status;
      }
      spdlog::debug("round: pod {} no longer holds the body, sending it whole", t.key);
    }
    const std::string key = to_json(t.key);
    auto request = control_request(path, body.parts(key), timeout, cancel, plan.trust);
    request.headers.emplace_back(body_ref::kId, body.id());
    const HttpAnswer answer = transmit(t, request);
    t.held = says_kept(answer, body.id()) ? body.id() : "";
    return answer.status;
  };

  // check: with every registered pod, dead ones included; 410 drops a pod.
  const PhaseBody check_body(plan.pods, plan.dependencies);
  // A pod that kept the last round's body gets what changed since, unless
  // most of the cluster did; one that lost it (412) gets the body whole.
  RoundBase* base = plan.base.get();
  std::optional<std::string> diff_head;
  if (base && !base->id.empty() && !base->holders.empty()) {
    auto written = body_diff::write(base->pods, plan.pods, plan.dependencies);
    if (written.changed * 2 <= plan.pods.size()) diff_head = std::move(written.head);
  }
  std::atomic<size_t> diffs{0};
  const auto check_one = [&](Target& t) {
    if (diff_head && base->holders.count(t.key) != 0) {
      const std::string key = to_json(t.key);
      auto request = control_request("/control/check" + suffix, {*diff_head, key, "}"}, timeout,
                                     cancel, plan.trust);
      request.headers.emplace_back(body_ref::kId, check_body.id());
      request.headers.emplace_back(body_ref::kBase, base->id);
      const HttpAnswer answer = transmit(t, request);
      if (answer.status != body_ref::kNotHeld && answer.status != 400) {
        t.held = says_kept(answer, check_body.id()) ? check_body.id() : "";
        if (answer.status == 200) ++diffs;
        return answer.status;
      }
      if (answer.status == 400) {
        spdlog::warn("round: pod {} refused the check as a diff, sending it whole", t.key);
      }
    }
    return send(t, "check", check_body);
  };
  const auto check = fan_out("check", targets, plan, *cancel, check_one);
  result.checks_as_diff = diffs.load();
  if (diff_head) {
    spdlog::info("round: {} of {} check(s) went as what changed", result.checks_as_diff,
                 targets.size());
  }
  if (aborted()) return result;
  std::vector<Target> alive;
  std::vector<std::string> dead;
  for (size_t i = 0; i < targets.size(); ++i) {
    if (check[i] == 410) {
      spdlog::info("round: pod {} is dead, dropped", targets[i].key);
      dead.push_back(targets[i].key);
      continue;
    }
    if (check[i] != 200) {
      result.error = "check failed on " + targets[i].url + " (" +
                     (check[i] ? "HTTP " + std::to_string(check[i]) : "unreachable") + ")";
      return result;
    }
    alive.push_back(targets[i]);
  }
  // Without dead pods, on and ok carry check's body: at a thousand pods,
  // another copy and dump of the map would cost more than the HTTP.
  json pods = plan.pods;
  for (const auto& key : dead) pods.erase(key);
  std::optional<PhaseBody> rebuilt;
  if (!dead.empty()) rebuilt.emplace(pods, plan.dependencies);
  const PhaseBody& body = rebuilt ? *rebuilt : check_body;
  auto must_all_pass = [&](const char* task) {
    const auto codes =
        fan_out(task, alive, plan, *cancel, [&](Target& t) { return send(t, task, body); });
    if (aborted()) return false;
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
  fan_out("ok", alive, plan, *cancel, [&](Target& t) { return send(t, "ok", body); });
  if (base) {  // what the next round's diffs are against
    base->id = body.id();
    base->pods = pods;
    base->dependencies = plan.dependencies;
    base->holders.clear();
    for (const auto& t : alive) {
      if (t.held == body.id()) base->holders.insert(t.key);
    }
  }
  // Cancelled during ok or not, every pod is on: the caller stores the outcome
  // once it may lead again, rather than redo the round.
  result.ok = true;
  result.configured = std::move(pods);
  return result;
}

}  // namespace ochopod
