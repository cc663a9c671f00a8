// Hub: the UI's live model, one per `ochopod ui` process, for every browser
// at once: ONE ZooKeeper session with watches (zk_watcher.h), ONE
// rate-limited cache of the pods' answers (pod_cache.h), the timeline
// (timeline.h) and the operator actions' records.
//
// All of it is owned by the hub's "ui" loop; pod calls run on its "ui-fetch"
// and "ui-fetch-slow" loops. After a change the hub publishes an immutable Snapshot (model.h):
// within 50 ms, at most once per 100 ms. The HTTP threads (web/, pages/)
// read snapshots only, and tell the hub what they show (subscribe) so that
// the cache knows what to fetch how often. Every public method but start()
// and the destructor may be called from any thread and never blocks on
// ZooKeeper or a pod: it posts to the loop.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "cli/ops/actions.h"
#include "cli/ui/live/pod_cache.h"
#include "cli/ui/live/timeline.h"
#include "cli/ui/live/zk_watcher.h"
#include "cli/ui/model.h"
#include "runtime/base/event_loop.h"
#include "runtime/base/scheduler.h"
#include "runtime/zk/session.h"

namespace ochopod::cli::ui {

struct HubSettings {
  std::string zk;                 // --zk (docs/protocol.md 6 syntax)
  Reach reach;                    // -t, --token-file, --tls-ca
  double refresh = 1;             // --refresh: scales the cache's tiers
  ZkSessionFactory factory = {};  // null: the real client at zk
};

// What tests put in place of the threads, the pods and the clock.
struct HubParts {
  Scheduler* loop = nullptr;        // instead of the "ui" loop
  Scheduler* fetch_loop = nullptr;  // instead of the "ui-fetch" loop
  Fetcher fetcher = {};             // null: real_fetcher(settings.reach)
  WallClock clock = {};             // null: the system's
};

class Hub {
 public:
  using OnPublish = std::function<void(SnapshotPtr)>;

  // on_publish runs on the "ui" loop after each publish; it must not block.
  Hub(HubSettings settings, OnPublish on_publish);
  Hub(HubSettings settings, OnPublish on_publish, HubParts parts);
  // Stops the threads (joins them, a batch of pod calls in progress
  // included) and closes the session.
  ~Hub();
  Hub(const Hub&) = delete;
  Hub& operator=(const Hub&) = delete;

  // Opens the session and waits at most deadline for it. false with *error
  // when ZooKeeper cannot be reached at start (the command exits 1); once
  // started, losing ZooKeeper only makes the picture stale. Not on the loop.
  bool start(std::chrono::milliseconds deadline, std::string* error);

  // The last published snapshot (version 0, empty, before the first). Any thread.
  SnapshotPtr snapshot() const;

  // An open page or stream: its view drives the cache's tiers until
  // unsubscribe(id). Any thread.
  uint64_t subscribe(const ViewKey& view);
  void unsubscribe(uint64_t id);

  // Inserts or replaces the record with this id; the timeline gets an
  // "action" event when it starts and when it ends (finished set). The
  // last 200 are kept. Any thread.
  void put_action(ActionRecord record);

  // That cluster's pods are asked at once (after an action). Any thread.
  void refresh(const std::string& cluster);

  // The cluster's registered pods as of the last snapshot. Any thread.
  std::vector<PodRecord> pods_of(const std::string& cluster) const;

  static constexpr size_t kActionsKept = 200;

 private:
  void init();
  void on_news(const ZkNews& news);
  void sync();
  void views_changed();
  void mark_dirty();
  void publish();

  HubSettings settings_;
  OnPublish on_publish_;
  std::unique_ptr<EventLoop> own_loop_;
  std::unique_ptr<EventLoop> own_fetch_loop_;
  std::unique_ptr<EventLoop> own_slow_loop_;  // pods that failed (PodCache::use_slow_lane)
  Scheduler* loop_;
  Scheduler* fetch_loop_;
  Fetcher fetcher_;
  WallClock clock_;
  std::string address_;  // --zk as shown

  // The loop's.
  std::unique_ptr<ZkWatcher> watcher_;
  std::unique_ptr<PodCache> cache_;
  Timeline timeline_;
  std::deque<ActionRecord> actions_;
  std::map<uint64_t, ViewKey> views_;
  bool sync_posted_ = false;
  std::vector<std::pair<std::string, std::string>> fetch_now_;  // (cluster, node "": all)
  Scheduler::TimerId publish_timer_ = 0;
  Scheduler::Clock::time_point last_publish_{};
  uint64_t version_ = 0;
  bool baseline_ = false;              // previous_ is a picture worth comparing with
  std::vector<ClusterView> previous_;  // the clusters of the last publish

  std::atomic<uint64_t> next_view_{1};
  mutable std::mutex snapshot_mutex_;
  SnapshotPtr snapshot_ = std::make_shared<const Snapshot>();
};

}  // namespace ochopod::cli::ui
