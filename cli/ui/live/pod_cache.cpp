#include "cli/ui/live/pod_cache.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <sstream>

#include "models/reactive/snapshot.h"
#include "runtime/base/parallel.h"
#include "runtime/http/client.h"

namespace ochopod::cli::ui {

namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;

constexpr milliseconds kDetail{500};
constexpr milliseconds kBackground{15000};
constexpr milliseconds kMetrics{2000};
constexpr milliseconds kLog{1000};
constexpr milliseconds kBackoffFirst{1000};
constexpr milliseconds kBackoffCap{30000};

std::string key_of(const std::string& cluster, const std::string& node) {
  return cluster + "/" + node;
}

size_t index(CallKind kind) { return static_cast<size_t>(kind); }

bool contains(const std::string& text, const std::string& what) {
  return text.find(what) != std::string::npos;
}

PodResult metrics_action(const PodRecord& pod, const Reach& reach) {
  PodResult result;
  const std::string url = control_url(pod.payload);
  if (url.empty()) {
    result.error = "control port not in its registration";
    return result;
  }
  HttpRequest request;
  request.method = HttpRequest::Method::kGet;
  request.path = "/metrics";
  request.timeout = std::chrono::duration<double>(reach.timeout);
  request.trust = reach.trust;
  const HttpAnswer answer = http_send(url, request);
  result.http = answer.status;
  if (answer.status == 0) {
    result.error = "no answer (" + answer.error + ")";
    return result;
  }
  if (answer.status != 200) {
    // A Python pod has no /metrics: 404, and the page says so.
    result.error = "HTTP " + std::to_string(answer.status);
    return result;
  }
  result.ok = true;
  result.data["metrics"] = metrics_highlights(answer.body);
  return result;
}

}  // namespace

Fetcher real_fetcher(Reach reach) {
  return [reach](const FetchCall& call) {
    switch (call.kind) {
      case CallKind::kInfo:
        return info_action(call.pod, reach);
      case CallKind::kLog:
        return log_action(call.pod, reach, 0);
      case CallKind::kMetrics:
        return metrics_action(call.pod, reach);
    }
    return PodResult{};
  };
}

nlohmann::json metrics_highlights(const std::string& text) {
  static const std::set<std::string> kSeries = {"ochopod_child_starts_total",
                                                "ochopod_child_restarts_total",
                                                "ochopod_child_last_exit_code",
                                                "ochopod_child_uptime_seconds",
                                                "ochopod_sanity_check_failures_total",
                                                "ochopod_liveness_failures_total",
                                                "ochopod_job_restarts_total",
                                                "ochopod_zookeeper_reconnects_total",
                                                "ochopod_zookeeper_session_expiries_total",
                                                "ochopod_control_requests_total",
                                                "ochopod_leader_rounds_total"};
  nlohmann::json out = nlohmann::json::object();
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == '#') continue;
    const size_t name_end = line.find_first_of("{ ");
    if (name_end == std::string::npos) continue;
    const std::string name = line.substr(0, name_end);
    const size_t space = line.rfind(' ');
    if (space == std::string::npos || space + 1 >= line.size()) continue;
    char* end = nullptr;
    const std::string value_text = line.substr(space + 1);
    const double value = std::strtod(value_text.c_str(), &end);
    if (end == value_text.c_str() || std::isnan(value)) continue;
    if (name == "ochopod_child_state") {
      const size_t open = line.find("state=\"");
      if (value == 1 && open != std::string::npos) {
        const size_t from = open + 7;
        out[name] = line.substr(from, line.find('"', from) - from);
      }
      continue;
    }
    if (kSeries.count(name) == 0) continue;
    out[name] = out.value(name, 0.0) + value;
  }
  return out;
}

std::string reason_of(const PodResult& result) {
  if (result.ok) return "";
  if (result.http == 401) return "401 token needed";
  if (result.http != 0) {
    return result.error.rfind("HTTP ", 0) == 0 ? result.error
                                               : "HTTP " + std::to_string(result.http);
  }
  const std::string& e = result.error;
  const std::string kTls = "certificate verify failed: ";
  if (const size_t at = e.find(kTls); at != std::string::npos) {
    std::string why = e.substr(at + kTls.size());
    if (!why.empty() && why.back() == ')') why.pop_back();
    return "TLS verify failed: " + why;
  }
  if (contains(e, "TLS handshake failed")) return "TLS verify failed: handshake failed";
  if (contains(e, "timed out") || contains(e, "timeout")) return "timeout";
  if (contains(e, "refused")) return "refused";
  static const std::string kNoAnswer = "no answer (";
  if (e.rfind(kNoAnswer, 0) == 0 && e.back() == ')') {
    return e.substr(kNoAnswer.size(), e.size() - kNoAnswer.size() - 1);
  }
  return e.empty() ? "failed" : e;
}

Interest interest_of(const std::vector<ViewKey>& views) {
  Interest interest;
  for (const auto& view : views) {
    switch (view.kind) {
      case ViewKey::Kind::kCluster:
        interest.detail.insert(view.cluster);
        break;
      case ViewKey::Kind::kPod:
        interest.detail.insert(view.cluster);
        interest.pod_pages.insert({view.cluster, view.seq});
        break;
      case ViewKey::Kind::kLogs:
        interest.detail.insert(view.cluster);
        interest.log_clusters.insert(view.cluster);
        break;
      default:
        break;
    }
  }
  return interest;
}

PodCache::PodCache(Scheduler& loop, Scheduler& fetch_loop, Fetcher fetcher, CacheSettings settings,
                   Changed changed, WallClock clock)
    : loop_(loop),
      fetch_loop_(fetch_loop),
      fetcher_(std::move(fetcher)),
      settings_(settings),
      changed_(std::move(changed)),
      clock_(std::move(clock)) {}

PodCache::~PodCache() { loop_.cancel(timer_); }

void PodCache::set_pods(const std::vector<ClusterView>& clusters) {
  std::map<std::string, Entry> next;
  for (const auto& cluster : clusters) {
    for (const auto& pod : cluster.pods) {
      const std::string key = key_of(cluster.name, pod.record.node);
      auto it = entries_.find(key);
      Entry entry = it != entries_.end() ? std::move(it->second) : Entry{};
      entry.record = pod.record;
      next.emplace(key, std::move(entry));
    }
  }
  // What is in flight for a pod now gone is still in flight: its answer is
  // dropped on arrival, but it counts against the cap until then.
  entries_ = std::move(next);
  pump();
}

void PodCache::set_interest(Interest interest) {
  interest_ = std::move(interest);
  pump();
}

void PodCache::fetch_now(const std::string& cluster, const std::string& node) {
  for (auto& [key, entry] : entries_) {
    if (entry.record.cluster != cluster || (!node.empty() && entry.record.node != node)) continue;
    for (CallKind kind : {CallKind::kInfo, CallKind::kMetrics, CallKind::kLog}) {
      if (wanted(entry, kind)) entry.slots[index(kind)].now = true;
    }
  }
  pump();
}

bool PodCache::wanted(const Entry& entry, CallKind kind) const {
  const PodRecord& r = entry.record;
  switch (kind) {
    case CallKind::kInfo:
      return true;
    case CallKind::kMetrics:
      return interest_.pod_pages.count({r.cluster, r.seq}) != 0;
    case CallKind::kLog:
      return interest_.pod_pages.count({r.cluster, r.seq}) != 0 ||
             interest_.log_clusters.count(r.cluster) != 0;
  }
  return false;
}

Scheduler::Clock::duration PodCache::interval(const Entry& entry, CallKind kind) const {
  milliseconds base = kBackground;
  if (kind == CallKind::kMetrics) base = kMetrics;
  if (kind == CallKind::kLog) base = kLog;
  if (kind == CallKind::kInfo && interest_.detail.count(entry.record.cluster) != 0) base = kDetail;
  const auto scaled = milliseconds(static_cast<int64_t>(
      std::llround(static_cast<double>(base.count()) * std::max(settings_.refresh, 0.01))));
  const int failures = entry.slots[index(kind)].failures;
  if (failures == 0) return scaled;
  // 1 s, 2 s, 4 s... up to 30 s, unless the tier is slower anyway.
  milliseconds backoff = kBackoffFirst;
  for (int i = 1; i < failures && backoff < kBackoffCap; ++i) backoff *= 2;
  return std::max<Clock::duration>(scaled, std::min(backoff, kBackoffCap));
}

std::optional<Scheduler::Clock::time_point> PodCache::due_at(const Entry& entry,
                                                             CallKind kind) const {
  if (!wanted(entry, kind)) return std::nullopt;
  const Slot& slot = entry.slots[index(kind)];
  if (slot.now || !slot.tried) return Clock::time_point::min();
  return slot.done + interval(entry, kind);
}

std::optional<Scheduler::Clock::time_point> PodCache::due(const std::string& cluster,
                                                          const std::string& node,
                                                          CallKind kind) const {
  const auto it = entries_.find(key_of(cluster, node));
  if (it == entries_.end()) return std::nullopt;
  return due_at(it->second, kind);
}

void PodCache::arm(Clock::time_point when) {
  if (timer_ != 0 && timer_at_ <= when) return;
  loop_.cancel(timer_);
  timer_at_ = when;
  const auto delay = std::max<Clock::duration>(when - loop_.now(), milliseconds(1));
  timer_ = loop_.post_after(delay, [this] {
    timer_ = 0;
    pump();
  });
}

void PodCache::pump() {
  // One batch at a time per lane: a lane's thread runs them one after the
  // other anyway, and its end is when the lane's next one may go.
  const auto now = loop_.now();
  struct Due {
    Clock::time_point at;
    std::string key;
    CallKind kind;
  };
  std::vector<Due> due[2];
  std::optional<Clock::time_point> next;
  for (const auto& [key, entry] : entries_) {
    for (CallKind kind : {CallKind::kInfo, CallKind::kMetrics, CallKind::kLog}) {
      const auto at = due_at(entry, kind);
      if (!at) continue;
      const Slot& slot = entry.slots[index(kind)];
      if (slot.in_flight) continue;
      const Lane lane = slow_loop_ != nullptr && slot.failures > 0 ? kSlow : kFast;
      if (*at <= now) {
        due[lane].push_back(Due{*at, key, kind});
      } else if (!next || *at < *next) {
        next = *at;
      }
    }
  }
  if (due[kFast].empty() && due[kSlow].empty()) {
    if (next) arm(*next);
    return;
  }
  if (now < rate_ready_) {
    arm(rate_ready_);
    return;
  }
  for (Lane lane : {kFast, kSlow}) {
    auto& calls_due = due[lane];
    if (in_flight_[lane] > 0 || calls_due.empty()) continue;
    // The most overdue first (the ones asked for at once are due since forever).
    std::stable_sort(calls_due.begin(), calls_due.end(),
                     [](const Due& a, const Due& b) { return a.at < b.at; });
    // The cap holds across both lanes; the slow one gets a quarter of it, so
    // pods that answer always have room.
    const size_t other = in_flight_[lane == kFast ? kSlow : kFast];
    size_t room = settings_.max_in_flight > other ? settings_.max_in_flight - other : 0;
    if (lane == kSlow) room = std::min(room, std::max<size_t>(1, settings_.max_in_flight / 4));
    if (room == 0) continue;
    if (calls_due.size() > room) calls_due.resize(room);
    std::vector<FetchCall> calls;
    std::vector<std::pair<std::string, CallKind>> keys;
    for (const auto& d : calls_due) {
      Entry& entry = entries_[d.key];
      Slot& slot = entry.slots[index(d.kind)];
      slot.in_flight = true;
      slot.now = false;
      calls.push_back(FetchCall{d.kind, entry.record});
      keys.emplace_back(d.key, d.kind);
    }
    in_flight_[lane] = calls.size();
    calls_sent_ += calls.size();
    rate_ready_ =
        std::max(rate_ready_, now) + duration_cast<Clock::duration>(std::chrono::duration<double>(
                                         static_cast<double>(calls.size()) / settings_.max_rate));
    send(lane, std::move(calls), std::move(keys));
  }
}

void PodCache::send(Lane lane, std::vector<FetchCall> calls,
                    std::vector<std::pair<std::string, CallKind>> keys) {
  std::weak_ptr<bool> alive = alive_;
  Scheduler* loop = &loop_;
  Scheduler& runner = lane == kSlow ? *slow_loop_ : fetch_loop_;
  runner.post([this, alive, loop, lane, fetcher = fetcher_, clock = clock_,
               calls = std::move(calls), keys = std::move(keys)]() mutable {
    std::vector<Outcome> outcomes(calls.size());
    parallel_for(
        calls.size(), 16,
        [&](size_t i) {
          PodResult result = fetcher(calls[i]);
          outcomes[i] = Outcome{keys[i].first, keys[i].second, std::move(result), clock()};
        },
        nullptr, lane == kSlow ? "ui-fetch-slow" : "ui-fetch");
    if (alive.expired()) return;
    loop->post([this, alive, lane, outcomes = std::move(outcomes)]() mutable {
      if (alive.expired()) return;
      apply(std::move(outcomes), lane);
    });
  });
}

void PodCache::apply(std::vector<Outcome> outcomes, Lane lane) {
  in_flight_[lane] = 0;
  const auto now = loop_.now();
  std::set<std::string> clusters;
  for (auto& outcome : outcomes) {
    auto it = entries_.find(outcome.key);
    if (it == entries_.end()) continue;  // gone meanwhile
    Entry& entry = it->second;
    Slot& slot = entry.slots[index(outcome.kind)];
    slot.in_flight = false;
    slot.tried = true;
    slot.done = now;
    slot.failures = outcome.result.ok ? 0 : slot.failures + 1;
    clusters.insert(entry.record.cluster);
    if (outcome.kind == CallKind::kLog) {
      if (outcome.result.ok) {
        entry.log = std::move(outcome.result.lines);
        entry.log_at = outcome.at;
      } else {
        spdlog::debug("ui: /log of {}: {}", entry.record.key(), outcome.result.error);
      }
      continue;
    }
    Fetch& fetch = outcome.kind == CallKind::kInfo ? entry.info : entry.metrics;
    fetch.reason = reason_of(outcome.result);
    fetch.result = std::move(outcome.result);
    fetch.at = outcome.at;
    fetch.failures = slot.failures;
  }
  for (const auto& cluster : clusters) {
    if (changed_) changed_(cluster);
  }
  pump();
}

void PodCache::fill(std::vector<ClusterView>* clusters) const {
  for (auto& cluster : *clusters) {
    std::set<std::string> dependencies;
    for (auto& pod : cluster.pods) {
      const auto it = entries_.find(key_of(cluster.name, pod.record.node));
      if (it == entries_.end()) continue;
      pod.info = it->second.info;
      pod.metrics = it->second.metrics;
      pod.log = it->second.log;
      pod.log_at = it->second.log_at;
      if (!pod.info.result.ok) continue;
      const auto info = pod.info.result.data.find("info");
      if (info == pod.info.result.data.end() || !info->is_object()) continue;
      const auto deps = info->find("dependencies");
      if (deps == info->end()) continue;
      if (deps->is_object()) {
        for (const auto& [name, value] : deps->items()) dependencies.insert(name);
      } else if (deps->is_array()) {
        for (const auto& name : *deps) {
          if (name.is_string()) dependencies.insert(name.get<std::string>());
        }
      }
    }
    // /info names a dependency as the model does, within the pod's
    // namespace ("db" for "shop.db"); the views link the full name.
    const size_t dot = cluster.name.find('.');
    const std::string space = dot == std::string::npos ? "" : cluster.name.substr(0, dot + 1);
    cluster.dependencies.clear();
    for (const auto& name : dependencies) cluster.dependencies.push_back(space + name);
  }
}

}  // namespace ochopod::cli::ui
