// Coordinator: the pod's presence in ZooKeeper (PROTOCOL.md 1-3).
//
// Owns the session, the registration node and the lock node, and decides
// whether this pod leads. Everything runs on its own "coordinator" loop: ZK
// callbacks post there, the HTTP layer posts reset() there. Faults are
// handled the way Curator's recipes do, better than ochopod's tear-down:
//  - connection lost (suspended): keep everything, pause the leader's work,
//    start a timer of one negotiated session timeout;
//  - reconnected in time: same nodes, resume;
//  - expired (told by the server, or the timer ran out, or /reset): close the
//    session, open a new one, register again with the same uuid and seq,
//    contend again.
// Creates that hit a connection loss are never duplicated: our nodes carry a
// unique prefix and are found again by it (adopted only if our session owns
// them).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "ochopod/event_loop.h"
#include "ochopod/hints.h"
#include "ochopod/zk_address.h"
#include "ochopod/zk_session.h"

namespace ochopod {

// What the leader does with its leadership (models/Reactive implements it).
// Called on the coordinator loop; the session pointer is valid until the call
// that ends it (on_lose / next on_lead).
class LeaderWork {
 public:
  virtual ~LeaderWork() = default;
  virtual void on_lead(ZkSession& session) = 0;     // we hold the lock (again)
  virtual void on_pause() = 0;                      // connection lost, lock maybe still ours
  virtual void on_resume(ZkSession& session) = 0;   // reconnected in time, still leading
  virtual void on_lose() = 0;                       // leadership is gone
  virtual void on_watch(const ZkEvent& event) = 0;  // a watch outside our own nodes fired
};

class Coordinator {
 public:
  struct Options {
    ZkAddress zk;
    std::string root = "/ochopod/clusters";
    std::string cluster;          // "<namespace>.<cluster>"
    std::string uuid;             // this pod's, for life
    nlohmann::json registration;  // payload without seq
    std::chrono::milliseconds session_timeout{5000};
  };

  Coordinator(EventLoop& loop, Hints& hints, Options options, LeaderWork* work = nullptr);
  ~Coordinator();  // must be stop()ped first

  void start();  // post: open the first session
  void reset();  // post: drop the session on purpose and come back
  void stop();   // blocks until the session is closed (ephemerals gone)

  const std::string& cluster_path() const { return cluster_path_; }

 private:
  void open_session();
  void renew_session(const std::string& why);
  void on_event(uint64_t generation, const ZkEvent& event);
  void on_connected();
  void on_suspended();
  void reconcile();
  int ensure_registered();
  int ensure_contending();
  int check_lock();
  void set_leading(bool leading);
  void retry_later();

  EventLoop& loop_;
  Hints& hints_;
  const Options options_;
  LeaderWork* const work_;
  const std::string cluster_path_;

  std::unique_ptr<ZkSession> session_;
  uint64_t generation_ = 0;  // which session an event belongs to
  bool connected_ = false;
  bool ever_connected_ = false;  // in this session
  bool paths_ready_ = false;
  bool leading_ = false;
  bool paused_ = false;
  bool stopped_ = false;
  std::optional<int64_t> seq_;  // from the first registration, for life
  std::string pod_node_;        // our registration under this session
  bool payload_written_ = false;
  std::string lock_prefix_;  // 32 hex, new per session
  std::string lock_node_;
  std::string watched_predecessor_;
  EventLoop::TimerId expiry_timer_ = 0;
  EventLoop::TimerId retry_timer_ = 0;
};

// A random UUID4 in canonical lowercase form.
std::string make_uuid4();

}  // namespace ochopod
