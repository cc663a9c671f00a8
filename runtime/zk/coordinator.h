// Coordinator: the pod's presence in ZooKeeper (docs/protocol.md 1-3).
//
// Owns the session and wires the recipes that live on it: the connection
// state policy (ConnectionState), our node under pods (Registration) and our
// bid for the leader lock (LockContender); it tells the LeaderWork when
// leadership starts, pauses, resumes and ends. Everything runs on its
// scheduler (the "coordinator" loop in a pod): ZooKeeper callbacks post
// there, the HTTP layer posts renew() there. Faults are handled the way
// Curator's recipes do, better than ochopod's tear-down:
//  - connection lost (suspended): keep everything, pause the leader's work;
//  - reconnected in time: same nodes, resume;
//  - expired (told by the server, or suspended for one negotiated timeout,
//    or /reset): close the session, open a new one, register again with the
//    same uuid and seq, contend again;
//  - authentication failed: the same, after a backoff (1 s doubling, capped
//    at 60 s, reset once registered), never at once;
//  - refused by an ACL (NOAUTH: no or other credentials than the cluster's
//    nodes were made with): one error line saying so, the same session, a
//    retry after a backoff (1 s doubling, capped at 10 s).
// The session creates the cluster's nodes with the ACL options.acl asks for;
// a cluster node found with another ACL is used as it is, with a warning.
//
// Leaving (docs/protocol.md 7, "Leaving before stopping"): withdraw() marks
// the pod under withdrawn/ while it stays registered; leave() deletes its
// registration; both then wait, by a watch on the cluster's snapshot, until
// the snapshot no longer lists it. hand_off() gives the lock up while the
// session lives, so the next leader takes the snapshot over before ours
// could vanish with our session.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "runtime/base/retry_backoff.h"
#include "runtime/base/scheduler.h"
#include "runtime/pod/hints.h"
#include "runtime/pod/metrics.h"
#include "runtime/zk/address.h"
#include "runtime/zk/connection_state.h"
#include "runtime/zk/layout.h"
#include "runtime/zk/lock_contender.h"
#include "runtime/zk/presence.h"
#include "runtime/zk/registration.h"
#include "runtime/zk/session.h"

namespace ochopod {

// What the leader does with its leadership (models/Reactive implements it).
// Called on the coordinator loop; the session pointer is valid until the call
// that ends it (on_lose / next on_lead). fence: this leadership's token, the
// czxid of our lock node (LockContender::fence()), which the leader sends
// with its requests (docs/protocol.md 7, "A fenced leader"); a new lock node
// while leading is a new leadership: on_lose, then on_lead with its fence.
class LeaderWork {
 public:
  virtual ~LeaderWork() = default;
  virtual void on_lead(ZkSession& session, uint64_t fence) = 0;  // we hold the lock (again)
  virtual void on_pause() = 0;                      // connection lost, lock maybe still ours
  virtual void on_resume(ZkSession& session) = 0;   // reconnected in time, still leading
  virtual void on_lose() = 0;                       // leadership is gone
  virtual void on_watch(const ZkEvent& event) = 0;  // a watch outside our own nodes fired
};

class Coordinator final : public Presence {
 public:
  struct Options {
    ZkAddress zk;
    std::string root = std::string(kClustersRoot);
    std::string cluster;          // "<namespace>.<cluster>"
    std::string uuid;             // this pod's, for life
    nlohmann::json registration;  // payload without seq
    std::chrono::milliseconds session_timeout{5000};
    ZkAclMode acl = ZkAclMode::kOpen;  // of the nodes from the cluster's down
    ZkSessionFactory open_session;     // empty: ZkSession::open(zk, ...)
    Metrics* metrics = nullptr;        // the connection's state and changes go there
    // Each new node of ours under pods, by its czxid (the control server's
    // fences start over below it: runtime/control/fence.h). On the loop;
    // must not block.
    std::function<void(uint64_t czxid)> on_registered;
  };

  Coordinator(Scheduler& loop, Hints& hints, Options options, LeaderWork* work = nullptr);
  ~Coordinator() override;  // must be stop()ped first

  // Presence, from any thread: posts to the loop; `out` runs on it.
  void withdraw(std::chrono::milliseconds limit, Out out) override;
  void rejoin() override;
  // The pod's own stop, from its main thread: deletes our registration and
  // blocks until the snapshot no longer lists us (true) or until deadline.
  bool leave(std::chrono::steady_clock::time_point deadline);
  // The pod's own stop, last step before stop(): if we lead and another pod
  // contends, lets it lead and blocks until it owns the snapshot (true) or
  // deadline; false at once when there is nothing to hand over.
  bool hand_off(std::chrono::steady_clock::time_point deadline);
  // A second SIGTERM: whatever leave() or hand_off() waits for, stop waiting.
  void hurry();

  // post: open the first session, registering nothing until start(): the
  // session's handshake (a write the server syncs) overlaps the rest of the
  // pod's start, while no leader can reach a control port not yet listening.
  void connect();
  void start();  // post: register and contend (opening the first session unless connect()ed)
  // post: drop the session on purpose and come back (what the pod's /reset
  // asks; "reset" stays the wire name only).
  void renew();
  void stop();  // blocks until the session is closed (ephemerals gone)

  const ClusterPaths& paths() const { return paths_; }

 private:
  void open_session();
  void close_session();
  void renew_session(const std::string& why);
  void reopen_later(const std::string& why);
  void on_event(uint64_t generation, const ZkEvent& event);
  void on_connection(ConnectionState::Change change, const std::string& why);
  void reconcile();
  int ensure_paths();
  void check_acl();
  void refused_later();
  void set_leading(bool leading);
  void zk_metric(Metrics::Zk state);
  void retry_later();
  // What a waiter waits for, read from the snapshot: its text (nullopt when
  // it does not exist) and the session owning it.
  using SnapshotTest = std::function<bool(const std::optional<std::string>& data, int64_t owner)>;
  void wait_snapshot(SnapshotTest test, std::chrono::steady_clock::duration limit, Out out);
  void check_snapshot();
  void release_waiters(bool out);
  int ensure_withdrawn();
  bool listed_in(const std::optional<std::string>& snapshot) const;
  // Blocks the calling thread (never the loop's) on a wait_snapshot().
  bool wait_from_outside(SnapshotTest test, std::chrono::steady_clock::time_point deadline,
                         std::function<bool()> first);

  Scheduler& loop_;
  Hints& hints_;
  const Options options_;
  LeaderWork* const work_;
  const ClusterPaths paths_;

  std::unique_ptr<ZkSession> session_;
  uint64_t generation_ = 0;  // which session an event belongs to
  ConnectionState connection_;
  Registration registration_;
  LockContender lock_;
  RetryBackoff reopen_backoff_;
  RetryBackoff refused_backoff_;
  const ZkAclPolicy acl_policy_;
  bool acl_checked_ = false;  // once per pod: a mismatch is worth one warning
  bool paths_ready_ = false;
  bool leading_ = false;
  int64_t registered_czxid_ = 0;  // the last one on_registered was told
  uint64_t fence_ = 0;            // of the leadership on_lead announced, while leading_
  bool paused_ = false;
  bool stopped_ = false;
  bool started_ = false;         // start()ed: the pod serves, so it may register
  bool withdrawn_ = false;       // withdraw()n and not rejoin()ed
  bool withdrawn_node_ = false;  // this session's withdrawn/<uuid> exists
  bool hurried_ = false;         // a second SIGTERM: waits answer at once
  struct Waiter {
    uint64_t id;
    SnapshotTest test;
    Out out;
    Scheduler::TimerId timer;
  };
  std::vector<Waiter> waiters_;
  uint64_t next_waiter_ = 0;
  Scheduler::TimerId retry_timer_ = 0;
  Scheduler::TimerId reopen_timer_ = 0;
};

}  // namespace ochopod
