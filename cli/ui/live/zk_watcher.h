// ZkWatcher: the UI's one ZooKeeper session, and the tree it keeps up to date
// from watches: the clusters, their registered pods, who leads each (the
// owner of the lowest lock node), when each was last configured (the `hash`
// node's mtime) and which pods its leader's `snapshot` lists
// (docs/protocol.md 1, 2 and 3).
//
// Owned by the hub (hub.h) and used only on its "ui" loop (in tests, a
// ManualScheduler): reads are synchronous calls made there. The session's
// sink runs on the ZooKeeper client's thread and only posts to the loop.
// Nodes are read when they appear or change, not polled. The session being
// lost marks the picture stale; once back, or after an expiry and a new
// session, everything is read again. It never gives up on ZooKeeper.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "cli/ui/model.h"
#include "runtime/base/retry_backoff.h"
#include "runtime/base/scheduler.h"
#include "runtime/zk/session.h"

namespace ochopod::cli::ui {

// Something the tree learned. cluster "" is about the session itself
// (connected, lost); node "" is about the cluster as a whole (its leader, its
// configuration, its pods read again).
struct ZkNews {
  std::string cluster;
  std::string node;    // a pod's registration node, "<uuid>.<seq>"
  bool fetch = false;  // worth asking the pod(s) at once (joined, changed, new leader)
};

using WallClock = std::function<WallTime()>;
WallTime system_wall_clock();

class ZkWatcher {
 public:
  using NewsSink = std::function<void(const ZkNews&)>;

  // news runs on the loop, after the tree changed.
  ZkWatcher(Scheduler& loop, ZkSessionFactory factory, NewsSink news,
            WallClock clock = system_wall_clock,
            std::chrono::milliseconds session_timeout = std::chrono::seconds(10));
  ~ZkWatcher();  // closes the session; the loop must no longer run our tasks
  ZkWatcher(const ZkWatcher&) = delete;
  ZkWatcher& operator=(const ZkWatcher&) = delete;

  // Loop: opens the session (connecting goes on in the background). false
  // with *error when the client refuses.
  bool open(std::string* error);
  // Any thread but the loop's: waits until the first session connected, or
  // failed for good, or the deadline passed. false with *error if not
  // connected.
  bool wait_connected(std::chrono::milliseconds deadline, std::string* error);

  // Loop: the picture as it is now, clusters by name, pods by seq then uuid;
  // the pods' fetch fields left empty.
  std::vector<ClusterView> clusters() const;
  const ZkHealth& health() const { return health_; }
  void set_address(std::string display) { health_.address = std::move(display); }
  int sessions_opened() const { return sessions_opened_; }

 private:
  struct Pod {
    PodRecord record;
    int64_t session = 0;  // the node's ephemeral owner
  };
  struct Cluster {
    std::set<std::string> nodes;      // every child of pods, parsed or not (they are watched)
    std::map<std::string, Pod> pods;  // the children that parse as registrations
    int64_t leader_session = 0;       // owner of the lowest lock node; 0: none
    WallTime configured_at = 0;
    int snapshot_size = -1;
    std::set<std::string> snapshot_uuids;
  };
  // What the sink shares with the waiting thread of wait_connected(). Shared:
  // a late event after we are gone touches nothing freed.
  struct Signal {
    std::mutex mutex;
    std::condition_variable changed;
    bool connected = false;
    bool closed = false;
    std::string failure;
  };

  void on_event(uint64_t generation, const ZkEvent& event);
  void on_watch(const ZkEvent& event);
  void reopen();
  void lost(const std::string& why);

  void read_all();
  void read_clusters();
  void read_cluster(const std::string& name);
  void read_pods(const std::string& name);
  void read_pod(const std::string& name, const std::string& node);
  void read_leader(const std::string& name);
  void read_hash(const std::string& name);
  void read_snapshot(const std::string& name);
  // A failed read: logged, and for a lost connection left to the re-read
  // that follows reconnection. Returns false for everything but rc ok.
  bool check(int rc, const std::string& what);
  void tell(const std::string& cluster, const std::string& node, bool fetch);

  Scheduler& loop_;
  ZkSessionFactory factory_;
  NewsSink news_;
  WallClock clock_;
  std::chrono::milliseconds session_timeout_;

  std::shared_ptr<Signal> signal_ = std::make_shared<Signal>();
  std::unique_ptr<ZkSession> session_;
  uint64_t generation_ = 0;  // of session_: events of an older session are ignored
  int sessions_opened_ = 0;
  RetryBackoff reopen_backoff_{std::chrono::seconds(1), std::chrono::seconds(30)};
  Scheduler::TimerId reopen_timer_ = 0;
  bool read_failed_ = false;  // a read of read_all() met a lost connection

  ZkHealth health_;
  std::map<std::string, Cluster> clusters_;
};

}  // namespace ochopod::cli::ui
