#include "harness/fake_zk_session.h"

#include <zookeeper/zookeeper.h>  // result codes only (an enum): nothing to link

#include <cstdio>
#include <utility>

namespace ochopod::test {

// --- FakeZkServer ----------------------------------------------------------

FakeZkServer::FakeZkServer() { nodes_["/"] = Node{}; }

FakeZkServer::~FakeZkServer() = default;

ZkSessionFactory FakeZkServer::factory() {
  return [this](std::chrono::milliseconds timeout, ZkSession::Sink sink,
                std::string* error) -> std::unique_ptr<ZkSession> {
    if (refuse_open) {
      *error = "the fake refuses to open a session";
      return nullptr;
    }
    return open(std::move(sink), timeout);
  };
}

std::unique_ptr<FakeZkSession> FakeZkServer::open(ZkSession::Sink sink,
                                                  std::chrono::milliseconds timeout) {
  auto session = std::make_unique<FakeZkSession>(*this, next_id_++, std::move(sink), timeout);
  sessions_[session->id()] = session.get();
  ++opened_;
  if (auto_connect) session->connect();
  return session;
}

FakeZkSession* FakeZkServer::last_session() const {
  return sessions_.empty() ? nullptr : sessions_.rbegin()->second;
}

std::string FakeZkServer::parent_of(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == 0 ? "/" : path.substr(0, slash);
}

ZkStat FakeZkServer::stat_of(const Node& node) {
  ZkStat stat;
  stat.version = node.version;
  stat.ephemeral_owner = node.owner;
  stat.data_length = static_cast<int32_t>(node.data.size());
  stat.mtime_ms = node.mtime_ms;
  stat.czxid = node.czxid;
  return stat;
}

int FakeZkServer::do_create(const std::string& path, const std::string& data, int64_t owner,
                            bool sequential, std::string* created) {
  if (path.empty() || path[0] != '/' || (path.size() > 1 && path.back() == '/' && !sequential)) {
    return ZBADARGUMENTS;
  }
  auto parent = nodes_.find(parent_of(path));
  if (parent == nodes_.end()) return ZNONODE;
  if (parent->second.owner != 0) return ZNOCHILDRENFOREPHEMERALS;
  std::string name = path;
  if (sequential) {
    char suffix[16];
    std::snprintf(suffix, sizeof suffix, "%010d", parent->second.cversion);
    name += suffix;
  }
  if (nodes_.count(name) != 0) return ZNODEEXISTS;
  parent->second.cversion++;
  Node node;
  node.data = data;
  node.owner = owner;
  node.mtime_ms = clock_ms;
  node.czxid = ++zxid_;
  nodes_[name] = std::move(node);
  if (created != nullptr) *created = name;
  fire(ZOO_CREATED_EVENT, name);
  return ZOK;
}

std::vector<ZkAclEntry> FakeZkServer::acl(const std::string& path) const {
  auto it = nodes_.find(path);
  return it == nodes_.end() ? std::vector<ZkAclEntry>{} : it->second.acl;
}

void FakeZkServer::set_acl(const std::string& path, std::vector<ZkAclEntry> acl) {
  auto it = nodes_.find(path);
  if (it != nodes_.end()) it->second.acl = std::move(acl);
}

int FakeZkServer::do_set(const std::string& path, const std::string& data, int version,
                         ZkStat* stat) {
  auto it = nodes_.find(path);
  if (it == nodes_.end()) return ZNONODE;
  if (version != -1 && version != it->second.version) return ZBADVERSION;
  it->second.data = data;
  it->second.version++;
  it->second.mtime_ms = clock_ms;
  if (stat != nullptr) *stat = stat_of(it->second);
  fire(ZOO_CHANGED_EVENT, path);
  return ZOK;
}

int FakeZkServer::do_remove(const std::string& path, int version) {
  auto it = nodes_.find(path);
  if (it == nodes_.end() || path == "/") return ZNONODE;
  if (version != -1 && version != it->second.version) return ZBADVERSION;
  auto next = std::next(it);
  if (next != nodes_.end() && next->first.rfind(path + "/", 0) == 0) return ZNOTEMPTY;
  nodes_.erase(it);
  nodes_[parent_of(path)].cversion++;
  fire(ZOO_DELETED_EVENT, path);
  return ZOK;
}

void FakeZkServer::fire(int type, const std::string& path) {
  // Copy: a sink may not touch the server, but a session may be closing.
  std::vector<FakeZkSession*> sessions;
  for (auto& [id, session] : sessions_) sessions.push_back(session);
  const std::string parent = parent_of(path);
  for (FakeZkSession* session : sessions) {
    if (type == ZOO_CHANGED_EVENT) {
      session->trigger(ZOO_CHANGED_EVENT, path, true, false);
    } else {
      session->trigger(type, path, true, type == ZOO_DELETED_EVENT);
      session->trigger(ZOO_CHILD_EVENT, parent, false, true);
    }
  }
}

void FakeZkServer::drop_ephemerals(int64_t owner) {
  std::vector<std::string> doomed;
  for (const auto& [path, node] : nodes_) {
    if (node.owner == owner) doomed.push_back(path);
  }
  for (const auto& path : doomed) do_remove(path, -1);
}

int FakeZkServer::create(const std::string& path, const std::string& data) {
  return do_create(path, data, 0, false, nullptr);
}
int FakeZkServer::set(const std::string& path, const std::string& data) {
  return do_set(path, data, -1, nullptr);
}
int FakeZkServer::remove(const std::string& path) { return do_remove(path, -1); }
bool FakeZkServer::exists(const std::string& path) const { return nodes_.count(path) != 0; }
std::optional<std::string> FakeZkServer::data(const std::string& path) const {
  auto it = nodes_.find(path);
  if (it == nodes_.end()) return std::nullopt;
  return it->second.data;
}
int64_t FakeZkServer::owner(const std::string& path) const {
  auto it = nodes_.find(path);
  return it == nodes_.end() ? 0 : it->second.owner;
}

int64_t FakeZkServer::czxid(const std::string& path) const {
  auto it = nodes_.find(path);
  return it == nodes_.end() ? 0 : it->second.czxid;
}
std::vector<std::string> FakeZkServer::children(const std::string& path) const {
  std::vector<std::string> out;
  const std::string prefix = path == "/" ? "/" : path + "/";
  for (auto it = nodes_.lower_bound(prefix); it != nodes_.end(); ++it) {
    if (it->first.rfind(prefix, 0) != 0) break;
    const std::string rest = it->first.substr(prefix.size());
    if (!rest.empty() && rest.find('/') == std::string::npos) out.push_back(rest);
  }
  return out;
}

// --- FakeZkSession ---------------------------------------------------------

FakeZkSession::FakeZkSession(FakeZkServer& server, int64_t id, Sink sink,
                             std::chrono::milliseconds timeout)
    : server_(server), id_(id), sink_(std::move(sink)), timeout_(timeout) {}

FakeZkSession::~FakeZkSession() {
  state_ = State::kDead;
  server_.sessions_.erase(id_);
  server_.drop_ephemerals(id_);
}

int FakeZkSession::usable(const std::string& call, const std::string& path) {
  // A copy: the hook may clear itself (before_call = nullptr) while it runs.
  if (const auto hook = server_.before_call) hook(call, path);
  if (state_ == State::kDead) return ZINVALIDSTATE;
  if (state_ != State::kConnected) return ZCONNECTIONLOSS;
  return ZOK;
}

int FakeZkSession::create(const std::string& path, const std::string& data, int flags,
                          std::string* created) {
  int rc = usable("create", path);
  if (rc != ZOK) return rc;
  if (refused(path)) return ZNOAUTH;
  const bool ephemeral = flags == zk::ephemeral() || flags == zk::ephemeral_sequential();
  const bool sequential = flags == zk::ephemeral_sequential();
  std::string name;
  rc = server_.do_create(path, data, ephemeral ? id_ : 0, sequential, &name);
  if (rc == ZOK) {
    server_.set_acl(name, acl_policy().acl_for(name));
    if (created != nullptr) *created = name;
  }
  if (lose_next_create_) {
    lose_next_create_ = false;
    lose_connection();
    return ZCONNECTIONLOSS;
  }
  return rc;
}

int FakeZkSession::get(const std::string& path, std::string* data, ZkStat* stat, bool watch) {
  const int rc = usable("get", path);
  if (rc != ZOK) return rc;
  auto it = server_.nodes_.find(path);
  if (it == server_.nodes_.end())
    return ZNONODE;  // and no watch: getData sets none on a missing node
  if (watch) data_watches_.insert(path);
  if (data != nullptr) *data = it->second.data;
  if (stat != nullptr) *stat = FakeZkServer::stat_of(it->second);
  return ZOK;
}

int FakeZkSession::set(const std::string& path, const std::string& data, int version,
                       ZkStat* stat) {
  const int rc = usable("set", path);
  if (rc != ZOK) return rc;
  if (refused(path)) return ZNOAUTH;
  return server_.do_set(path, data, version, stat);
}

int FakeZkSession::children(const std::string& path, std::vector<std::string>* out, bool watch) {
  const int rc = usable("children", path);
  if (rc != ZOK) return rc;
  if (!server_.exists(path)) return ZNONODE;
  if (watch) child_watches_.insert(path);
  *out = server_.children(path);
  return ZOK;
}

int FakeZkSession::exists(const std::string& path, ZkStat* stat, bool watch) {
  const int rc = usable("exists", path);
  if (rc != ZOK) return rc;
  // ZooKeeper's exists() leaves its watch even when the node is missing.
  if (watch) data_watches_.insert(path);
  auto it = server_.nodes_.find(path);
  if (it == server_.nodes_.end()) return ZNONODE;
  if (stat != nullptr) *stat = FakeZkServer::stat_of(it->second);
  return ZOK;
}

int FakeZkSession::exists_all(const std::vector<std::string>& paths, std::vector<int>* found) {
  std::string joined;
  for (const auto& path : paths) joined += (joined.empty() ? "" : " ") + path;
  if (const auto hook = server_.before_call) hook("batch", joined);
  return ZkSession::exists_all(paths, found);
}

int FakeZkSession::remove(const std::string& path, int version) {
  const int rc = usable("remove", path);
  if (rc != ZOK) return rc;
  if (refused(path)) return ZNOAUTH;
  return server_.do_remove(path, version);
}

int FakeZkSession::get_acl(const std::string& path, std::vector<ZkAclEntry>* out) {
  const int rc = usable("get_acl", path);
  if (rc != ZOK) return rc;
  if (!server_.exists(path)) return ZNONODE;
  *out = server_.acl(path);
  return ZOK;
}

bool FakeZkSession::refused(const std::string& path) const {
  const std::string& root = server_.refuse_writes_under;
  return !root.empty() && path.rfind(root, 0) == 0 &&
         (path.size() == root.size() || path[root.size()] == '/');
}

void FakeZkSession::connect() {
  if (state_ == State::kDead) return;
  state_ = State::kConnected;
  if (expired_unheard_) {
    // The server tells an expired client so only once it reaches it again.
    expired_unheard_ = false;
    state_ = State::kDead;
    sink_(ZkEvent{ZkEvent::Kind::kExpired, 0, ""});
    return;
  }
  sink_(ZkEvent{ZkEvent::Kind::kConnected, 0, ""});
  std::vector<ZkEvent> held;
  held.swap(held_);
  for (auto& event : held) sink_(std::move(event));
}

void FakeZkSession::lose_connection() {
  if (state_ != State::kConnected) return;
  state_ = State::kDisconnected;
  sink_(ZkEvent{ZkEvent::Kind::kSuspended, 0, ""});
}

void FakeZkSession::expire() {
  if (state_ == State::kDead) return;
  data_watches_.clear();
  child_watches_.clear();
  held_.clear();
  server_.drop_ephemerals(id_);
  if (state_ == State::kConnected) {
    state_ = State::kDead;
    sink_(ZkEvent{ZkEvent::Kind::kExpired, 0, ""});
  } else {
    expired_unheard_ = true;
  }
}

void FakeZkSession::fail_auth() {
  if (state_ == State::kDead) return;
  state_ = State::kDead;
  sink_(ZkEvent{ZkEvent::Kind::kAuthFailed, 0, ""});
}

std::vector<std::string> FakeZkSession::watches() const {
  std::vector<std::string> out;
  for (const auto& path : data_watches_) out.push_back("data " + path);
  for (const auto& path : child_watches_) out.push_back("child " + path);
  return out;
}

void FakeZkSession::trigger(int type, const std::string& path, bool data_watch, bool child_watch) {
  bool hit = false;
  if (data_watch) hit |= data_watches_.erase(path) != 0;
  if (child_watch) hit |= child_watches_.erase(path) != 0;
  if (hit) deliver(ZkEvent{ZkEvent::Kind::kWatch, type, path});
}

void FakeZkSession::deliver(ZkEvent event) {
  if (state_ == State::kDead) return;
  if (state_ == State::kConnected) {
    sink_(std::move(event));
  } else {
    held_.push_back(std::move(event));
  }
}

}  // namespace ochopod::test
