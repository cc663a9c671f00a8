// LockContender: our bid for the leader lock under <cluster>/coordinator,
// the recipe of kazoo's Lock (docs/protocol.md 3), so Python pods and ours
// contend for the same lock:
//   1. create <32 hex>__lock__ EPHEMERAL|SEQUENTIAL (the hex is new per
//      session; a create lost to a connection loss is found again by it,
//      and only then listed for: step 2 lists them all anyway);
//   2. list the contenders (children with __lock__ and a 10-digit suffix),
//      sorted by suffix; first holds the lock;
//   3. otherwise watch only the contender just before ours;
//   4. first, read our own node with a data watch: its czxid is the fence
//      of this leadership (docs/protocol.md 7, "A fenced leader"), and its
//      deletion by someone else is heard at once.
// The predecessor is watched with a data watch (get), as Curator's
// LockInternals does, not with exists(): ZooKeeper leaves an exists() watch
// on a missing node (it waits for a create), so a predecessor gone just
// before the call would leave a watch that never fires; a get() on a missing
// node leaves none. Used by the Coordinator on its loop; every call is a
// synchronous ZooKeeper call on the session given.
#pragma once

#include <cstdint>
#include <string>

#include "runtime/zk/session.h"

namespace ochopod {

class LockContender {
 public:
  explicit LockContender(std::string dir);

  // A new session: contend under a new prefix, 32 lowercase hex digits as
  // kazoo's uuid4().hex (the old node dies with the old session).
  void forget(std::string prefix);
  // Contends if we do not yet, then finds whether we hold the lock, watching
  // our predecessor if not. Returns the ZooKeeper result code; holds() is
  // false whenever our node is gone.
  int check(ZkSession& session);
  // The pod is stopping: deletes our node so the next contender leads while
  // we still live, and contends no more (check() then holds nothing).
  // *others: whether another contender is there to take over.
  int leave(ZkSession& session, bool* others);
  // Whether a watch event is for one of the lock's nodes.
  bool concerns(const ZkEvent& event) const;

  bool holds() const { return holds_; }
  // While we hold the lock: our node's czxid (the zxid of its creation),
  // which grows with every node created, even after `coordinator` was
  // deleted and created again (when suffixes start over). 0 otherwise.
  uint64_t fence() const { return holds_ ? fence_ : 0; }
  const std::string& node() const { return node_; }                // "" if none
  const std::string& predecessor() const { return predecessor_; }  // "" if none

 private:
  int find_or_create(ZkSession& session);

  const std::string dir_;
  std::string prefix_;
  std::string node_;
  std::string predecessor_;
  bool holds_ = false;
  bool create_unsure_ = false;  // a create of this session failed: it may have landed
  uint64_t fence_ = 0;
  bool left_ = false;
};

// A contender's sequence (the 10 digits after "__lock__"), or -1.
int64_t lock_sequence(const std::string& name);

}  // namespace ochopod
