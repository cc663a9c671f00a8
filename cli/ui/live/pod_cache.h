// PodCache: the one, rate-limited cache of what the pods answer, shared by
// every browser: /info for every pod, /metrics and /log only for what some
// open page shows.
//
// Owned by the hub (hub.h) on its "ui" loop, which decides what is due;
// calls run off that loop, a batch at a time on the "ui-fetch" loop (a
// parallel_for over the batch; pods that failed last time on "ui-fetch-slow",
// so that a pod that times out delays none that answer), and their results come back to the "ui"
// loop as one posted task. Tiers (scaled by --refresh): pods of a cluster
// some page shows in detail every 0.5 s, others every 15 s; /metrics every
// 2 s for pods on a pod page; /log every 1 s for open log panes. A pod that
// does not answer backs off, 1 s doubling to 30 s. ZooKeeper news about a
// pod or cluster, and actions, make its pods due at once. At most 16 calls
// in flight and about 200 a second. The fetcher is injected: unit tests give
// a fake and ManualSchedulers.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "cli/ops/actions.h"
#include "cli/ui/live/zk_watcher.h"
#include "cli/ui/model.h"
#include "runtime/base/scheduler.h"

namespace ochopod::cli::ui {

enum class CallKind { kInfo, kMetrics, kLog };

struct FetchCall {
  CallKind kind = CallKind::kInfo;
  PodRecord pod;
};

// One call to one pod; any thread (the "ui-fetch" threads), must not throw.
using Fetcher = std::function<PodResult(const FetchCall&)>;

// The operator commands' calls: info_action, log_action(pod, reach, 0), and
// GET /metrics read by metrics_highlights().
Fetcher real_fetcher(Reach reach);

// The few series of a pod's /metrics the pod page shows
// (runtime/pod/metrics.cpp): numbers by series name, labelled series summed,
// and ochopod_child_state as the name of the state whose gauge is 1.
nlohmann::json metrics_highlights(const std::string& text);

// A failed call in a few words for people: "timeout", "refused", "401 token
// needed", "TLS verify failed: <why>", "HTTP 410 (dead)"; "" when ok.
std::string reason_of(const PodResult& result);

// What the open pages want fetched, from their views.
struct Interest {
  std::set<std::string> detail;                     // clusters shown pod by pod
  std::set<std::pair<std::string, int>> pod_pages;  // (cluster, seq): /metrics and /log
  std::set<std::string> log_clusters;               // clusters whose logs page is open
};
Interest interest_of(const std::vector<ViewKey>& views);

struct CacheSettings {
  double refresh = 1;         // scales every tier
  size_t max_in_flight = 16;  // the size of a batch
  double max_rate = 200;      // calls a second, at most
};

class PodCache {
 public:
  using Clock = Scheduler::Clock;
  // changed(cluster) runs on the loop after answers for that cluster came in.
  using Changed = std::function<void(const std::string& cluster)>;

  PodCache(Scheduler& loop, Scheduler& fetch_loop, Fetcher fetcher, CacheSettings settings,
           Changed changed, WallClock clock = system_wall_clock);
  ~PodCache();
  PodCache(const PodCache&) = delete;
  PodCache& operator=(const PodCache&) = delete;

  // Loop: the pods the tree has now; new ones are due at once, gone ones
  // forgotten (an answer for them is dropped).
  void set_pods(const std::vector<ClusterView>& clusters);
  void set_interest(Interest interest);
  // Loop: that pod ("" every pod of the cluster) is due now, backoff or not.
  void fetch_now(const std::string& cluster, const std::string& node = "");
  // Loop: copies the answers into the views (info, metrics, log) and each
  // cluster's dependencies from its pods' /info.
  void fill(std::vector<ClusterView>* clusters) const;

  // Pods whose last call failed are asked on this loop instead, so that one
  // that times out never holds up the answers of those that reply (each
  // lane runs a batch at a time). Without it, every call shares fetch_loop.
  void use_slow_lane(Scheduler& loop) { slow_loop_ = &loop; }

  size_t in_flight() const { return in_flight_[0] + in_flight_[1]; }
  size_t calls_sent() const { return calls_sent_; }
  // When the next call of that kind to that pod may go (tests); nullopt if
  // the pod is unknown or the kind not wanted.
  std::optional<Clock::time_point> due(const std::string& cluster, const std::string& node,
                                       CallKind kind) const;

 private:
  struct Slot {  // one kind of call to one pod
    bool in_flight = false;
    bool now = false;  // due at once
    bool tried = false;
    Clock::time_point done{};  // when the last answer came
    int failures = 0;
  };
  struct Entry {
    PodRecord record;
    Slot slots[3];
    Fetch info;
    Fetch metrics;
    std::vector<std::string> log;
    WallTime log_at = 0;
  };
  struct Outcome {
    std::string key;
    CallKind kind;
    PodResult result;
    WallTime at;
  };
  enum Lane { kFast = 0, kSlow = 1 };

  bool wanted(const Entry& entry, CallKind kind) const;
  Clock::duration interval(const Entry& entry, CallKind kind) const;
  std::optional<Clock::time_point> due_at(const Entry& entry, CallKind kind) const;
  void pump();
  void arm(Clock::time_point when);
  void apply(std::vector<Outcome> outcomes, Lane lane);
  void send(Lane lane, std::vector<FetchCall> calls,
            std::vector<std::pair<std::string, CallKind>> keys);

  Scheduler& loop_;
  Scheduler& fetch_loop_;
  Scheduler* slow_loop_ = nullptr;
  Fetcher fetcher_;
  CacheSettings settings_;
  Changed changed_;
  WallClock clock_;

  std::map<std::string, Entry> entries_;  // by "<cluster>/<node>"
  Interest interest_;
  size_t in_flight_[2] = {0, 0};  // by lane
  size_t calls_sent_ = 0;
  Clock::time_point rate_ready_{};  // no batch before it: the rate cap
  Scheduler::TimerId timer_ = 0;
  Clock::time_point timer_at_{};
  // Results posted back check it: answers for a cache that is gone are dropped.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace ochopod::cli::ui
