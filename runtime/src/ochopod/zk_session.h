// ZkSession: one ZooKeeper session, RAII over libzookeeper-mt's handle.
//
// Owned by the coordinator, used only from its loop thread (calls are
// synchronous). Session state changes and watch events arrive on the C
// client's completion thread and go straight to the sink, which must only
// post them to the owner (PITFALLS.md). After expiry the handle is dead: the
// owner destroys this object and opens a new one. The destructor closes the
// session, so ephemeral nodes vanish at once; it must not run on the
// completion thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "ochopod/zk_address.h"

typedef struct _zhandle zhandle_t;

namespace ochopod {

struct ZkStat {
  int32_t version = 0;
  int64_t ephemeral_owner = 0;
  int32_t data_length = 0;
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
bool connection_lost(int rc);  // CONNECTIONLOSS, OPERATIONTIMEOUT, SESSIONEXPIRED, CLOSING...
const char* error(int rc);
int ephemeral_sequential();
int persistent();
int ephemeral();
bool is_child_event(int type);
bool is_deleted_event(int type);
bool is_data_event(int type);  // changed or created
}  // namespace zk

class ZkSession {
 public:
  using Sink = std::function<void(ZkEvent)>;

  // Starts connecting; never blocks on the network. Returns null and sets
  // *error if the client refuses the address.
  static std::unique_ptr<ZkSession> open(const ZkAddress& address,
                                         std::chrono::milliseconds timeout, Sink sink,
                                         std::string* error);
  ~ZkSession();
  ZkSession(const ZkSession&) = delete;
  ZkSession& operator=(const ZkSession&) = delete;

  int64_t id() const;
  // What the server granted; the requested value until connected.
  std::chrono::milliseconds negotiated_timeout() const;

  int create(const std::string& path, const std::string& data, int flags, std::string* created);
  int get(const std::string& path, std::string* data, ZkStat* stat, bool watch);
  int set(const std::string& path, const std::string& data, int version = -1,
          ZkStat* stat = nullptr);
  int children(const std::string& path, std::vector<std::string>* out, bool watch);
  int exists(const std::string& path, ZkStat* stat, bool watch);
  int remove(const std::string& path, int version = -1);
  // Creates every missing persistent node along path (empty data).
  int ensure_path(const std::string& path);

 private:
  struct Passkey {};  // only open() builds sessions, still through make_unique

 public:
  ZkSession(Passkey, Sink sink, std::chrono::milliseconds timeout);

 private:
  static void on_event(zhandle_t*, int type, int state, const char* path, void* context);

  Sink sink_;
  std::chrono::milliseconds requested_timeout_;
  zhandle_t* handle_ = nullptr;
};

}  // namespace ochopod
