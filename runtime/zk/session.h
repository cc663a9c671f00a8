// ZkSession: one ZooKeeper session, as the recipes see it.
//
// An interface: ZkSession::open() makes the real one, RAII over
// libzookeeper-mt's handle; unit tests use an in-memory fake. Owned by the
// coordinator, used only from its loop thread (calls are synchronous).
// Session state changes and watch events arrive on the C client's completion
// thread and go straight to the sink, which must only post them to the owner
// (docs/internals.md). After expiry the handle is dead: the owner destroys
// this object and opens a new one. The destructor closes the session, so
// ephemeral nodes vanish at once; it must not run on the completion thread.
//
// Nodes we create without content hold empty data, never NULL (kazoo's
// ensure_path writes empty bytes, and Python pods read NULL as None);
// get() reads NULL and empty alike, as "".
//
// Every node the session creates gets the ACL its policy (protect()) gives
// that path; ensure_paths() creates only what is missing, so existing nodes
// keep whatever ACL they have.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/zk/acl.h"
#include "runtime/zk/address.h"

namespace ochopod {

struct ZkStat {
  int32_t version = 0;
  int64_t ephemeral_owner = 0;
  int32_t data_length = 0;
  int64_t mtime_ms = 0;  // last modified, unix milliseconds (the UI's "last configured")
  int64_t czxid = 0;     // the transaction that created it: grows forever, even when
                         // a node is deleted and created again
};

// One node to create with empty data, and what the server named it.
struct ZkCreate {
  std::string path;
  int flags = 0;        // zk::ephemeral_sequential()...
  std::string created;  // once created: its path (a sequential node's with its suffix)
};

struct ZkEvent {
  enum class Kind { kConnected, kSuspended, kExpired, kAuthFailed, kWatch };
  Kind kind;
  int type = 0;      // watch event type (ZOO_*_EVENT), for kWatch
  std::string path;  // for kWatch
};

// Result codes are the C client's (ZOK = 0, ZNONODE, ...). These helpers keep
// zookeeper.h out of our headers.
namespace zk {
bool ok(int rc);
bool no_node(int rc);
bool node_exists(int rc);
bool not_authorized(int rc);   // ZNOAUTH: the node's ACL refuses us
bool connection_lost(int rc);  // CONNECTIONLOSS, OPERATIONTIMEOUT, SESSIONEXPIRED, CLOSING...
const char* error(int rc);
int ephemeral_sequential();
int persistent();
int ephemeral();
bool is_child_event(int type);
bool is_deleted_event(int type);
bool is_data_event(int type);  // changed or created
// Watch event types, for fakes that deliver them.
int created_event();
int deleted_event();
int changed_event();
int child_event();
int no_node_code();  // ZNONODE, for recipes that give up on a node that keeps vanishing
// The value of a sequential node's 10-digit suffix, if text is exactly that.
std::optional<int64_t> sequence_suffix(std::string_view text);
}  // namespace zk

class ZkSession {
 public:
  using Sink = std::function<void(ZkEvent)>;

  // The libzookeeper-mt session. Starts connecting; never blocks on the
  // network. Returns null and sets *error if the client refuses the address.
  static std::unique_ptr<ZkSession> open(const ZkAddress& address,
                                         std::chrono::milliseconds timeout, Sink sink,
                                         std::string* error);
  virtual ~ZkSession() = default;
  ZkSession(const ZkSession&) = delete;
  ZkSession& operator=(const ZkSession&) = delete;

  virtual int64_t id() const = 0;
  // What the server granted; the requested value until connected.
  virtual std::chrono::milliseconds negotiated_timeout() const = 0;

  virtual int create(const std::string& path, const std::string& data, int flags,
                     std::string* created) = 0;
  virtual int get(const std::string& path, std::string* data, ZkStat* stat, bool watch) = 0;
  virtual int set(const std::string& path, const std::string& data, int version = -1,
                  ZkStat* stat = nullptr) = 0;
  virtual int children(const std::string& path, std::vector<std::string>* out, bool watch) = 0;
  virtual int exists(const std::string& path, ZkStat* stat, bool watch) = 0;
  // Asks about every one of paths in one round trip (the requests
  // pipelined): (*found)[i] is ZOK or ZNONODE for paths[i]. Returns the
  // first other result (the connection lost...), else ZOK. This default
  // asks one at a time, for fakes.
  virtual int exists_all(const std::vector<std::string>& paths, std::vector<int>* found);
  virtual int remove(const std::string& path, int version = -1) = 0;
  // Deletes path (whoever owns it) and creates it again, ephemeral, holding
  // data, in one transaction: a reader that watched it never finds it
  // missing (a leader taking over another's `snapshot`). This default is two
  // calls, for fakes; the real client uses a multi-op.
  virtual int replace_ephemeral(const std::string& path, const std::string& data);
  // Creates node (empty data, its flags) and fills in node->created.
  int create_node(ZkCreate* node) { return create(node->path, "", node->flags, &node->created); }
  // Creates every missing persistent node along each path (empty data),
  // parents first, leaving existing nodes as they are. Every node along the
  // paths is asked about by one exists_all(), so finding what is missing
  // costs one round trip; what is missing is created by one create_all(),
  // so a new cluster's nodes cost the server one transaction, not one each.
  // *created (if given) lists the nodes this call created. A `then` (if
  // given) is created after the paths, in their transaction when some were
  // missing (a new cluster's first pod registers in the write that makes
  // its cluster), alone when none was; its outcome is the call's.
  int ensure_paths(const std::vector<std::string>& paths,
                   std::vector<std::string>* created = nullptr, ZkCreate* then = nullptr);
  int ensure_path(const std::string& path) { return ensure_paths({path}); }
  // Creates these persistent nodes (empty data), listed parents first, then
  // `then` if given, in one transaction: all or none. This default is one
  // call a node, for fakes; the real client uses a multi-op.
  virtual int create_all(const std::vector<std::string>& paths, ZkCreate* then = nullptr);
  virtual int get_acl(const std::string& path, std::vector<ZkAclEntry>* out) = 0;

  // The ACLs of the nodes created from now on (default: all open).
  void protect(ZkAclPolicy policy) { acl_policy_ = std::move(policy); }
  const ZkAclPolicy& acl_policy() const { return acl_policy_; }

 protected:
  ZkSession() = default;

 private:
  ZkAclPolicy acl_policy_;
};

// Opens a session: ZkSession::open() in the pod, a fake in unit tests.
using ZkSessionFactory = std::function<std::unique_ptr<ZkSession>(
    std::chrono::milliseconds timeout, ZkSession::Sink sink, std::string* error)>;

}  // namespace ochopod
