#include "runtime/zk/session.h"

#include <pthread.h>
#include <spdlog/spdlog.h>
#include <zookeeper/zookeeper.h>

#include <algorithm>
#include <charconv>
#include <condition_variable>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/base/numbers.h"
#include "runtime/base/text.h"

namespace ochopod {

namespace zk {
bool ok(int rc) { return rc == ZOK; }
bool no_node(int rc) { return rc == ZNONODE; }
bool node_exists(int rc) { return rc == ZNODEEXISTS; }
bool not_authorized(int rc) { return rc == ZNOAUTH; }
bool connection_lost(int rc) {
  return rc == ZCONNECTIONLOSS || rc == ZOPERATIONTIMEOUT || rc == ZSESSIONEXPIRED ||
         rc == ZCLOSING || rc == ZINVALIDSTATE || rc == ZSESSIONMOVED;
}
const char* error(int rc) { return zerror(rc); }
int ephemeral_sequential() { return ZOO_EPHEMERAL_SEQUENTIAL; }
int persistent() { return ZOO_PERSISTENT; }
int ephemeral() { return ZOO_EPHEMERAL; }
bool is_child_event(int type) { return type == ZOO_CHILD_EVENT; }
bool is_deleted_event(int type) { return type == ZOO_DELETED_EVENT; }
bool is_data_event(int type) { return type == ZOO_CHANGED_EVENT || type == ZOO_CREATED_EVENT; }
int created_event() { return ZOO_CREATED_EVENT; }
int deleted_event() { return ZOO_DELETED_EVENT; }
int changed_event() { return ZOO_CHANGED_EVENT; }
int child_event() { return ZOO_CHILD_EVENT; }
int no_node_code() { return ZNONODE; }
std::optional<int64_t> sequence_suffix(std::string_view text) {
  // Compared as plain chars: ::isdigit on a negative char is undefined.
  if (text.size() != 10 ||
      !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  return parse_integer<int64_t>(text);
}
}  // namespace zk

int ZkSession::replace_ephemeral(const std::string& path, const std::string& data) {
  const int rc = remove(path);
  if (!zk::ok(rc) && !zk::no_node(rc)) return rc;
  return create(path, data, zk::ephemeral(), nullptr);
}

int ZkSession::create_all(const std::vector<std::string>& paths, ZkCreate* then) {
  for (const auto& path : paths) {
    const int rc = create(path, "", zk::persistent(), nullptr);
    if (!zk::ok(rc)) return rc;
  }
  return then == nullptr ? ZOK : create_node(then);
}

namespace {

// What exists_all() returns for its answers: the first that is neither
// "there" nor "missing", else ZOK.
int first_failure(const std::vector<int>& found) {
  for (const int rc : found) {
    if (rc != ZOK && rc != ZNONODE) return rc;
  }
  return ZOK;
}

}  // namespace

int ZkSession::exists_all(const std::vector<std::string>& paths, std::vector<int>* found) {
  found->clear();
  for (const auto& path : paths) found->push_back(exists(path, nullptr, false));
  return first_failure(*found);
}

namespace {

// Every node along each path, each once, a parent before its children.
std::vector<std::string> nodes_along(const std::vector<std::string>& paths) {
  std::vector<std::string> nodes;
  for (const auto& path : paths) {
    for (size_t slash = path.find('/', 1);; slash = path.find('/', slash + 1)) {
      std::string node = path.substr(0, slash);
      if (node.size() > 1 && std::find(nodes.begin(), nodes.end(), node) == nodes.end()) {
        nodes.push_back(std::move(node));
      }
      if (slash == std::string::npos) break;
    }
  }
  return nodes;
}

// Each pass fixes what another client created meanwhile; past this many,
// the caller's retry takes over.
constexpr int kEnsurePasses = 4;

}  // namespace

int ZkSession::ensure_paths(const std::vector<std::string>& paths,
                            std::vector<std::string>* created, ZkCreate* then) {
  // Asking before creating: creating a node that exists under a parent we
  // may not create in fails with NOAUTH, not NODEEXISTS (exists() needs no
  // right). All at once: a pod's boot waits on these reads.
  const std::vector<std::string> nodes = nodes_along(paths);
  int rc = ZOK;
  for (int pass = 0; pass < kEnsurePasses; ++pass) {
    std::vector<int> found;
    rc = exists_all(nodes, &found);
    if (rc != ZOK) return rc;
    std::vector<std::string> missing;  // parents first, as nodes are
    for (size_t i = 0; i < nodes.size(); ++i) {
      if (found[i] == ZNONODE) missing.push_back(nodes[i]);
    }
    if (missing.empty()) {
      return then == nullptr ? ZOK : create_node(then);
    }
    rc = create_all(missing, then);
    if (rc == ZOK && created != nullptr) *created = std::move(missing);
    if (rc != ZNODEEXISTS) return rc;
  }
  return rc;
}

namespace {

// The C client's own log lines, from its callback or its stream, into our
// logger, so they come out in the pod's format (json for shippers) and name
// their thread. A message reads "<time>:<pid>(0x<thread>):ZOO_<LEVEL>@<func>@<line>:
// <text>": our line says the time and thread itself. Its errors go out at
// debug: they repeat at every retry (about 12 a
// second while a server is down), and the pod warns of what matters itself
// (connection lost, session expired).
void client_log(const char* message) {
  const std::string_view text(message ? message : "");
  auto level = spdlog::level::debug;
  std::string_view rest = text;
  const size_t at = text.find("):ZOO_");
  if (at != std::string_view::npos) {
    rest = text.substr(at + 6);
    const std::string_view name = rest.substr(0, rest.find('@'));
    if (name == "DEBUG") level = spdlog::level::trace;
    rest = rest.substr(std::min(rest.size(), name.size() + 1));
  }
  spdlog::log(level, "zookeeper: {}", chomp(rest));
}

// What the client writes to its stream (messages logged without a handle,
// which bypass the handle's callback): cut into lines for client_log. Called
// by stdio under the stream's lock, from any of the client's threads.
ssize_t client_stream_write(void*, const char* data, size_t size) {
  static std::mutex mu;
  static std::string pending;
  std::lock_guard<std::mutex> lock(mu);
  pending.append(data, size);
  for (size_t nl; (nl = pending.find('\n')) != std::string::npos;) {
    client_log(pending.substr(0, nl).c_str());
    pending.erase(0, nl + 1);
  }
  return static_cast<ssize_t>(size);
}

// The client's log hooks are global: set once, at error level (its info
// level chatters per ping). Every handle also gets client_log as callback.
void route_client_logs() {
  static std::once_flag once;
  std::call_once(once, [] {
    zoo_set_debug_level(ZOO_LOG_LEVEL_ERROR);
    cookie_io_functions_t io{};
    io.write = client_stream_write;
    // Lives as long as the process: the client may log until its very end.
    if (FILE* stream = ::fopencookie(nullptr, "w", io)) {
      ::setvbuf(stream, nullptr, _IOLBF, 0);
      zoo_set_log_stream(stream);
    } else {
      spdlog::warn("zookeeper: cannot route the client's log stream; it stays on stderr");
    }
  });
}

// Entries as the C client's ACL_vector, which points into this object.
class ClientAcl {
 public:
  explicit ClientAcl(std::vector<ZkAclEntry> acl) : acl_(std::move(acl)) {
    for (auto& entry : acl_)
      entries_.push_back({entry.perms, {entry.scheme.data(), entry.id.data()}});
    vector_.count = static_cast<int32_t>(entries_.size());
    vector_.data = entries_.data();
  }
  ClientAcl(const ClientAcl&) = delete;
  ClientAcl& operator=(const ClientAcl&) = delete;
  ACL_vector* get() { return &vector_; }

 private:
  std::vector<ZkAclEntry> acl_;
  std::vector<ACL> entries_;
  ACL_vector vector_{};
};

ZkStat to_stat(const Stat& s) {
  ZkStat out;
  out.version = s.version;
  out.ephemeral_owner = s.ephemeralOwner;
  out.data_length = s.dataLength;
  out.mtime_ms = s.mtime;
  out.czxid = s.czxid;
  return out;
}

// How long the client may go without re-resolving its hosts while connected.
constexpr int kResolutionDelayMs = 60'000;

// The session over libzookeeper-mt's handle.
class ClientSession final : public ZkSession {
 public:
  ClientSession(Sink sink, std::chrono::milliseconds timeout)
      : sink_(std::move(sink)), requested_timeout_(timeout) {}
  ~ClientSession() override;

  bool connect(const ZkAddress& address, std::string* error);

  int64_t id() const override;
  std::chrono::milliseconds negotiated_timeout() const override;
  int create(const std::string& path, const std::string& data, int flags,
             std::string* created) override;
  int get(const std::string& path, std::string* data, ZkStat* stat, bool watch) override;
  int set(const std::string& path, const std::string& data, int version, ZkStat* stat) override;
  int children(const std::string& path, std::vector<std::string>* out, bool watch) override;
  int exists(const std::string& path, ZkStat* stat, bool watch) override;
  int exists_all(const std::vector<std::string>& paths, std::vector<int>* found) override;
  int remove(const std::string& path, int version) override;
  int replace_ephemeral(const std::string& path, const std::string& data) override;
  int create_all(const std::vector<std::string>& paths, ZkCreate* then) override;
  int get_acl(const std::string& path, std::vector<ZkAclEntry>* out) override;

 private:
  static void on_event(zhandle_t*, int type, int state, const char* path, void* context);

  Sink sink_;
  std::chrono::milliseconds requested_timeout_;
  zhandle_t* handle_ = nullptr;
};

}  // namespace

std::unique_ptr<ZkSession> ZkSession::open(const ZkAddress& address,
                                           std::chrono::milliseconds timeout, Sink sink,
                                           std::string* error) {
  route_client_logs();
  auto session = std::make_unique<ClientSession>(std::move(sink), timeout);
  if (!session->connect(address, error)) return nullptr;
  return session;
}

bool ClientSession::connect(const ZkAddress& address, std::string* error) {
  // The client's I/O and completion threads inherit our thread's name: give
  // them their own, so top and gdb tell them from the coordinator.
  char own_name[16] = {};
  pthread_getname_np(pthread_self(), own_name, sizeof own_name);
  pthread_setname_np(pthread_self(), "zookeeper");
  // ZOO_NO_LOG_CLIENTENV: the client would otherwise look up our user
  // (NSS: nsswitch.conf, /etc/passwd), host and directory at every init,
  // only to log them at a level route_client_logs() filters out; a tenth
  // of a millisecond of every pod's boot.
  handle_ = zookeeper_init2(address.connect_string().c_str(), &ClientSession::on_event,
                            static_cast<int>(requested_timeout_.count()), nullptr, this,
                            ZOO_NO_LOG_CLIENTENV, client_log);
  pthread_setname_np(pthread_self(), own_name);
  if (handle_ == nullptr) {
    *error = std::string("zookeeper_init failed for '") + address.display() + "'";
    return false;
  }
  // By default the client resolves the host list (getaddrinfo: /etc/hosts,
  // netlink, DNS for names) at every wake-up of its I/O thread, which made
  // most of an idle pod's CPU. Once a minute is enough to follow DNS while
  // connected; after a connection loss it always resolves again.
  const int rc = zoo_set_servers_resolution_delay(handle_, kResolutionDelayMs);
  if (rc != ZOK) spdlog::warn("zookeeper: setting the resolution delay failed: {}", zerror(rc));
  if (!address.user.empty()) {
    const std::string credentials = address.user + ":" + address.password;
    const int rc = zoo_add_auth(handle_, "digest", credentials.data(),
                                static_cast<int>(credentials.size()), nullptr, nullptr);
    if (rc != ZOK) spdlog::warn("zookeeper: adding digest credentials failed: {}", zerror(rc));
  }
  return true;
}

ClientSession::~ClientSession() {
  if (handle_ != nullptr) {
    const int rc = zookeeper_close(handle_);
    if (rc != ZOK) spdlog::warn("zookeeper_close: {}", zerror(rc));
  }
}

void ClientSession::on_event(zhandle_t*, int type, int state, const char* path, void* context) {
  auto* self = static_cast<ClientSession*>(context);
  ZkEvent event{ZkEvent::Kind::kWatch, type, path ? path : ""};
  if (type == ZOO_SESSION_EVENT) {
    if (state == ZOO_CONNECTED_STATE || state == ZOO_READONLY_STATE) {
      event.kind = ZkEvent::Kind::kConnected;
    } else if (state == ZOO_EXPIRED_SESSION_STATE) {
      event.kind = ZkEvent::Kind::kExpired;
    } else if (state == ZOO_AUTH_FAILED_STATE) {
      event.kind = ZkEvent::Kind::kAuthFailed;
    } else {
      event.kind = ZkEvent::Kind::kSuspended;  // CONNECTING / ASSOCIATING: connection lost
    }
  }
  self->sink_(std::move(event));
}

int64_t ClientSession::id() const {
  const clientid_t* id = zoo_client_id(handle_);
  return id ? id->client_id : 0;
}

std::chrono::milliseconds ClientSession::negotiated_timeout() const {
  const int t = zoo_recv_timeout(handle_);
  return t > 0 ? std::chrono::milliseconds(t) : requested_timeout_;
}

int ClientSession::create(const std::string& path, const std::string& data, int flags,
                          std::string* created) {
  char buffer[1024];
  ClientAcl acl(acl_policy().acl_for(path));
  const int rc = zoo_create(handle_, path.c_str(), data.data(), static_cast<int>(data.size()),
                            acl.get(), flags, buffer, sizeof buffer);
  if (rc == ZOK && created != nullptr) *created = buffer;
  return rc;
}

int ClientSession::get(const std::string& path, std::string* data, ZkStat* stat, bool watch) {
  // Not zero-filled: the client writes only the node's bytes, so a small
  // node touches one page of the buffer, not sixteen.
  size_t size = 64 * 1024;
  auto buffer = std::make_unique_for_overwrite<char[]>(size);
  for (;;) {
    int length = static_cast<int>(size);
    Stat s{};
    const int rc = zoo_get(handle_, path.c_str(), watch ? 1 : 0, buffer.get(), &length, &s);
    if (rc != ZOK) return rc;
    if (s.dataLength > static_cast<int>(size)) {  // rare: a node above 64 KiB
      size = static_cast<size_t>(s.dataLength);
      buffer = std::make_unique_for_overwrite<char[]>(size);
      continue;
    }
    if (data != nullptr) data->assign(buffer.get(), length < 0 ? 0 : static_cast<size_t>(length));
    if (stat != nullptr) *stat = to_stat(s);
    return rc;
  }
}

int ClientSession::set(const std::string& path, const std::string& data, int version,
                       ZkStat* stat) {
  Stat s{};
  const int rc =
      zoo_set2(handle_, path.c_str(), data.data(), static_cast<int>(data.size()), version, &s);
  if (rc == ZOK && stat != nullptr) *stat = to_stat(s);
  return rc;
}

int ClientSession::children(const std::string& path, std::vector<std::string>* out, bool watch) {
  String_vector names{};
  const int rc = zoo_get_children(handle_, path.c_str(), watch ? 1 : 0, &names);
  if (rc == ZOK) {
    out->clear();
    for (int i = 0; i < names.count; ++i) out->emplace_back(names.data[i]);
    deallocate_String_vector(&names);
  }
  return rc;
}

int ClientSession::exists(const std::string& path, ZkStat* stat, bool watch) {
  Stat s{};
  const int rc = zoo_exists(handle_, path.c_str(), watch ? 1 : 0, &s);
  if (rc == ZOK && stat != nullptr) *stat = to_stat(s);
  return rc;
}

namespace {

// The answers to pipelined requests, filled in by the C client's completion
// thread while the caller waits for them all.
class Answers {
 public:
  explicit Answers(size_t count) : rcs_(count, ZOK), slots_(count) {
    for (size_t i = 0; i < count; ++i) slots_[i] = {this, i};
  }
  Answers(const Answers&) = delete;
  Answers& operator=(const Answers&) = delete;

  // The data pointer to send with request `index`, awaited from now on
  // (its answer may come before the call that sends it returns).
  const void* awaiting(size_t index) {
    std::lock_guard<std::mutex> lock(mu_);
    ++pending_;
    return &slots_[index];
  }
  // The request at `index` was not sent: rc is its answer.
  void refused(size_t index, int rc) {
    std::lock_guard<std::mutex> lock(mu_);
    --pending_;
    rcs_[index] = rc;
  }
  static void on_stat(int rc, const Stat*, const void* data) {
    const auto* slot = static_cast<const Slot*>(data);
    slot->answers->answer(slot->index, rc);
  }
  // Once every request sent is answered: the client answers each one it
  // accepted, with ZCONNECTIONLOSS or ZCLOSING if the session goes.
  std::vector<int> wait() {
    std::unique_lock<std::mutex> lock(mu_);
    all_in_.wait(lock, [this] { return pending_ == 0; });
    return rcs_;
  }

 private:
  struct Slot {
    Answers* answers;
    size_t index;
  };

  void answer(size_t index, int rc) {
    std::lock_guard<std::mutex> lock(mu_);
    rcs_[index] = rc;
    if (--pending_ == 0) all_in_.notify_one();
  }

  std::mutex mu_;
  std::condition_variable all_in_;
  size_t pending_ = 0;
  std::vector<int> rcs_;
  std::vector<Slot> slots_;  // never resized: the client holds pointers into it
};

}  // namespace

int ClientSession::exists_all(const std::vector<std::string>& paths, std::vector<int>* found) {
  Answers answers(paths.size());
  for (size_t i = 0; i < paths.size(); ++i) {
    const int rc =
        zoo_aexists(handle_, paths[i].c_str(), 0, &Answers::on_stat, answers.awaiting(i));
    if (rc != ZOK) answers.refused(i, rc);
  }
  *found = answers.wait();
  return first_failure(*found);
}

int ClientSession::remove(const std::string& path, int version) {
  return zoo_delete(handle_, path.c_str(), version);
}

int ClientSession::replace_ephemeral(const std::string& path, const std::string& data) {
  ClientAcl acl(acl_policy().acl_for(path));
  zoo_op_t ops[2];
  zoo_op_result_t results[2];
  zoo_delete_op_init(&ops[0], path.c_str(), -1);
  zoo_create_op_init(&ops[1], path.c_str(), data.data(), static_cast<int>(data.size()), acl.get(),
                     ZOO_EPHEMERAL, nullptr, 0);
  return zoo_multi(handle_, 2, ops, results);
}

int ClientSession::create_all(const std::vector<std::string>& paths, ZkCreate* then) {
  // Empty, not NULL (nullptr, -1): kazoo reads NULL as None.
  const size_t count = paths.size() + (then != nullptr ? 1 : 0);
  std::vector<std::unique_ptr<ClientAcl>> acls;
  std::vector<zoo_op_t> ops(count);
  std::vector<zoo_op_result_t> results(count);
  for (size_t i = 0; i < paths.size(); ++i) {
    acls.push_back(std::make_unique<ClientAcl>(acl_policy().acl_for(paths[i])));
    zoo_create_op_init(&ops[i], paths[i].c_str(), "", 0, acls.back()->get(), ZOO_PERSISTENT,
                       nullptr, 0);
  }
  char buffer[1024] = {};
  if (then != nullptr) {
    acls.push_back(std::make_unique<ClientAcl>(acl_policy().acl_for(then->path)));
    zoo_create_op_init(&ops.back(), then->path.c_str(), "", 0, acls.back()->get(), then->flags,
                       buffer, sizeof buffer);
  }
  const int rc = zoo_multi(handle_, static_cast<int>(ops.size()), ops.data(), results.data());
  if (rc == ZOK && then != nullptr) then->created = buffer;
  return rc;
}

int ClientSession::get_acl(const std::string& path, std::vector<ZkAclEntry>* out) {
  ACL_vector acl{};
  Stat stat{};
  const int rc = zoo_get_acl(handle_, path.c_str(), &acl, &stat);
  if (rc != ZOK) return rc;
  out->clear();
  for (int i = 0; i < acl.count; ++i) {
    const ACL& entry = acl.data[i];
    out->push_back(
        {entry.perms, entry.id.scheme ? entry.id.scheme : "", entry.id.id ? entry.id.id : ""});
  }
  deallocate_ACL_vector(&acl);
  return rc;
}

}  // namespace ochopod
