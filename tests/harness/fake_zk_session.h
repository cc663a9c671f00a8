// An in-memory ZooKeeper for unit tests of the recipes' state machines:
// FakeZkServer holds the tree (nodes, ephemerals owned by session ids,
// sequential suffixes); FakeZkSession is a ZkSession on it with one-shot
// watches delivered through the sink, and hooks to simulate what the real
// client lives through (connection loss, reconnect, expiry, authentication
// failure, a create that succeeds but reports CONNECTIONLOSS). Nodes keep
// the ACL they were created with; the fake enforces none, but a test can
// make writes under a path fail with NOAUTH (refuse_writes_under).
//
// Single-threaded: everything, sessions' calls and the hooks, runs on the
// test's thread; events go to the sink synchronously (the coordinator's sink
// only posts them to its scheduler). Watch semantics are ZooKeeper's: an
// exists() watch is left on a missing node (it fires at its creation), a
// get() or children() on a missing node leaves none; events that trigger
// while a session is disconnected reach it once it reconnects, after its
// connected event; an expired session's watches die with it.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "runtime/zk/address.h"
#include "runtime/zk/session.h"

namespace ochopod::test {

// An address with credentials, as a zk:// address gives them.
inline ZkAddress address_with_credentials() {
  ZkAddress a;
  a.hosts = "h:2181";
  a.user = "ocho";
  a.password = "secret";
  return a;
}

class FakeZkSession;

// Must outlive its sessions.
class FakeZkServer {
 public:
  FakeZkServer();
  ~FakeZkServer();
  FakeZkServer(const FakeZkServer&) = delete;
  FakeZkServer& operator=(const FakeZkServer&) = delete;

  // Opens sessions on this server, as ZkSession::open() does on a real one.
  // With auto_connect (the default) a new session connects at once.
  ZkSessionFactory factory();
  std::unique_ptr<FakeZkSession> open(ZkSession::Sink sink, std::chrono::milliseconds timeout);
  bool auto_connect = true;
  // Every open() fails (the client refusing its address) while set.
  bool refuse_open = false;
  int opened() const { return opened_; }
  // The server's wall clock, unix milliseconds: a node's mtime_ms is its
  // value at the node's creation or last set. Tests move it by hand.
  int64_t clock_ms = 0;
  // The newest session still open, or null.
  FakeZkSession* last_session() const;

  // Someone else's hands on the tree: no session, no watches set; others'
  // watches fire. Return ZooKeeper result codes.
  int create(const std::string& path, const std::string& data = "");
  int set(const std::string& path, const std::string& data);
  int remove(const std::string& path);
  bool exists(const std::string& path) const;
  std::optional<std::string> data(const std::string& path) const;
  int64_t owner(const std::string& path) const;                // 0: persistent or missing
  int64_t czxid(const std::string& path) const;                // 0: missing
  std::vector<ZkAclEntry> acl(const std::string& path) const;  // empty if missing
  void set_acl(const std::string& path, std::vector<ZkAclEntry> acl);
  // Sessions' create/set/remove at or under this path fail with NOAUTH, as
  // for a pod facing an ACL it has no credentials for ("" refuses nothing).
  std::string refuse_writes_under;
  std::vector<std::string> children(const std::string& path) const;  // sorted

  // Runs before every call a session makes, with the call's name ("create",
  // "get", "set", "children", "exists", "batch", "remove") and path: a test arranges
  // there what happens "between two calls".
  std::function<void(const std::string& call, const std::string& path)> before_call;

 private:
  friend class FakeZkSession;
  struct Node {
    std::string data;
    int64_t owner = 0;
    int32_t version = 0;
    int32_t cversion = 0;  // drives the children's sequential suffixes, as in ZooKeeper
    int64_t mtime_ms = 0;
    int64_t czxid = 0;
    std::vector<ZkAclEntry> acl = zk_open_acl();
  };
  int do_create(const std::string& path, const std::string& data, int64_t owner, bool sequential,
                std::string* created);
  int do_set(const std::string& path, const std::string& data, int version, ZkStat* stat);
  int do_remove(const std::string& path, int version);
  void fire(int type, const std::string& path);
  void drop_ephemerals(int64_t owner);
  static std::string parent_of(const std::string& path);
  static ZkStat stat_of(const Node& node);

  std::map<std::string, Node> nodes_;
  std::map<int64_t, FakeZkSession*> sessions_;
  int64_t next_id_ = 0x1000;
  int64_t zxid_ = 0;  // of the last create: czxid grows forever
  int opened_ = 0;
};

class FakeZkSession final : public ZkSession {
 public:
  FakeZkSession(FakeZkServer& server, int64_t id, Sink sink, std::chrono::milliseconds timeout);
  ~FakeZkSession() override;  // closes: our ephemerals go at once

  int64_t id() const override { return id_; }
  std::chrono::milliseconds negotiated_timeout() const override { return timeout_; }
  int create(const std::string& path, const std::string& data, int flags,
             std::string* created) override;
  int get(const std::string& path, std::string* data, ZkStat* stat, bool watch) override;
  int set(const std::string& path, const std::string& data, int version, ZkStat* stat) override;
  int children(const std::string& path, std::vector<std::string>* out, bool watch) override;
  int exists(const std::string& path, ZkStat* stat, bool watch) override;
  // One "batch" call (its paths joined by spaces), then an "exists" for each.
  int exists_all(const std::vector<std::string>& paths, std::vector<int>* found) override;
  int remove(const std::string& path, int version) override;
  int get_acl(const std::string& path, std::vector<ZkAclEntry>* out) override;

  // What the client lives through.
  void connect();          // (re)connected: kConnected, then events held meanwhile
  void lose_connection();  // kSuspended; calls fail with CONNECTIONLOSS until connect()
  // The server expires the session: its ephemerals and watches go now; the
  // client hears kExpired at once if connected, else at its next connect().
  void expire();
  void fail_auth();  // kAuthFailed: the session is dead
  // The next create() is applied on the server, then the connection drops
  // before the answer: it reports CONNECTIONLOSS.
  void lose_next_create() { lose_next_create_ = true; }

  bool connected() const { return state_ == State::kConnected; }
  bool dead() const { return state_ == State::kDead; }
  // Watches pending on the server, as "data <path>" / "child <path>", sorted.
  std::vector<std::string> watches() const;

 private:
  friend class FakeZkServer;
  enum class State { kConnecting, kConnected, kDisconnected, kDead };
  int usable(const std::string& call, const std::string& path);
  bool refused(const std::string& path) const;
  void trigger(int type, const std::string& path, bool data_watch, bool child_watch);
  void deliver(ZkEvent event);

  FakeZkServer& server_;
  const int64_t id_;
  Sink sink_;
  const std::chrono::milliseconds timeout_;
  State state_ = State::kConnecting;
  bool expired_unheard_ = false;
  bool lose_next_create_ = false;
  std::set<std::string> data_watches_;
  std::set<std::string> child_watches_;
  std::vector<ZkEvent> held_;  // triggered while disconnected
};

}  // namespace ochopod::test
