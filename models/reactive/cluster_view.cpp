#include "models/reactive/cluster_view.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <functional>
#include <string_view>

#include "models/reactive/pod_node.h"
#include "models/reactive/snapshot.h"
#include "runtime/base/text.h"

namespace ochopod {

using nlohmann::json;

namespace {

// A usable registration: a JSON object telling where its control port is.
std::optional<PodNode> parse_registration(const std::string& path, const std::string& name,
                                          const std::string& data) {
  auto node = parse_pod_node(name, data);
  if (!node) {
    // Empty data is a pod still registering: no warning, its data watch follows.
    if (!data.empty()) spdlog::warn("leader: {} holds no JSON object, skipped", path);
    return std::nullopt;
  }
  if (control_url(node->payload).empty()) {
    spdlog::warn("leader: {} tells no control port (ip, port, ports), skipped", path);
    return std::nullopt;
  }
  return node;
}

// "9e:10:...": what snapshot_hash() writes.
bool looks_like_hash(const std::string& s) {
  if (s.size() != 47) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const bool colon = i % 3 == 2;
    if (colon ? s[i] != ':' : !std::isxdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  return true;
}

}  // namespace

ClusterView::ClusterView(Settings settings)
    : settings_(std::move(settings)), paths_(settings_.cluster, settings_.root) {
  has_glob_ = std::any_of(settings_.depends_on.begin(), settings_.depends_on.end(), is_glob);
  merge_dependencies();
}

void ClusterView::clear() {
  pods_.clear();
  listed_ = false;
  withdrawn_.clear();
  clusters_.clear();
  snapshots_.clear();
  merge_dependencies();
}

void ClusterView::reload(ZkSession& session) {
  clear();
  list_pods(session);
  list_withdrawn(session);
  if (has_glob_) list_clusters(session);
  sync_snapshots(session);
  merge_dependencies();
}

bool ClusterView::on_watch(ZkSession& session, const ZkEvent& event) {
  const std::string& path = event.path;
  if (path == paths_.pods) {
    list_pods(session);
    return true;
  }
  if (path == paths_.withdrawn) {
    list_withdrawn(session);
    return true;
  }
  if (path.rfind(paths_.pods + "/", 0) == 0) {
    const std::string name = path.substr(paths_.pods.size() + 1);
    if (name.find('/') != std::string::npos) return false;
    read_pod(session, name);
    return true;
  }
  if (path == settings_.root) {
    if (!has_glob_) return false;
    list_clusters(session);
    sync_snapshots(session);
    merge_dependencies();
    return true;
  }
  if (const auto cluster = ClusterPaths::snapshot_owner(path, settings_.root)) {
    if (!snapshots_.count(*cluster)) return false;
    read_snapshot(session, *cluster);
    merge_dependencies();
    return true;
  }
  return false;
}

void ClusterView::list_pods(ZkSession& session) {
  std::vector<std::string> names;
  const int rc = session.children(paths_.pods, &names, true);
  if (!zk::ok(rc)) {
    spdlog::warn("leader: cannot list pods: {}", zk::error(rc));
    return;
  }
  listed_ = true;
  const std::set<std::string> now(names.begin(), names.end());
  for (auto it = pods_.begin(); it != pods_.end();) {
    it = now.count(it->first) ? std::next(it) : pods_.erase(it);
  }
  for (const auto& name : now) {
    if (!pods_.count(name)) read_pod(session, name);
  }
}

void ClusterView::list_withdrawn(ZkSession& session) {
  std::vector<std::string> names;
  int rc = session.children(paths_.withdrawn, &names, true);
  if (zk::no_node(rc)) {
    // No pod ever withdrew: watch for the folder's creation instead.
    withdrawn_.clear();
    rc = session.exists(paths_.withdrawn, nullptr, true);
    if (zk::ok(rc)) list_withdrawn(session);  // created in between: no event would come
    return;
  }
  if (!zk::ok(rc)) {
    spdlog::warn("leader: cannot list withdrawn pods: {}", zk::error(rc));
    return;
  }
  withdrawn_ = std::set<std::string>(names.begin(), names.end());
}

void ClusterView::read_pod(ZkSession& session, const std::string& name) {
  const std::string path = paths_.pod(name);
  std::string data;
  const int rc = session.get(path, &data, nullptr, true);
  if (zk::no_node(rc)) {
    pods_.erase(name);
    return;
  }
  if (!zk::ok(rc)) {
    spdlog::warn("leader: cannot read pod {}: {}", name, zk::error(rc));
    return;
  }
  auto node = parse_registration(path, name, data);
  if (!node) {
    pods_[name] = std::nullopt;
    return;
  }
  std::string text = to_json(node->payload);
  pods_[name] = Pod{std::move(*node), std::move(text)};
}

void ClusterView::list_clusters(ZkSession& session) {
  std::vector<std::string> names;
  const int rc = session.children(settings_.root, &names, true);
  if (!zk::ok(rc)) {
    spdlog::warn("leader: cannot list clusters: {}", zk::error(rc));
    return;
  }
  std::sort(names.begin(), names.end());
  clusters_ = std::move(names);
}

std::set<std::string> ClusterView::wanted_clusters() const {
  std::set<std::string> out;
  for (const auto& dep : settings_.depends_on) {
    if (is_glob(dep)) {
      for (auto& c : match_glob(dep, settings_.ns, settings_.cluster, clusters_)) out.insert(c);
    } else {
      out.insert(dependency_cluster(dep, settings_.ns));
    }
  }
  return out;
}

void ClusterView::sync_snapshots(ZkSession& session) {
  const auto wanted = wanted_clusters();
  for (auto it = snapshots_.begin(); it != snapshots_.end();) {
    it = wanted.count(it->first) ? std::next(it) : snapshots_.erase(it);
  }
  for (const auto& cluster : wanted) {
    if (!snapshots_.count(cluster)) read_snapshot(session, cluster);
  }
}

void ClusterView::read_snapshot(ZkSession& session, const std::string& cluster) {
  const std::string path = ClusterPaths(cluster, settings_.root).snapshot;
  json& into = snapshots_[cluster];
  if (!into.is_object()) into = json::object();
  // A snapshot created between a get that found nothing and the exists watch
  // would fire no event: when exists() finds it, read it again.
  for (int attempt = 0; attempt < 3; ++attempt) {
    std::string data;
    int rc = session.get(path, &data, nullptr, true);
    if (zk::ok(rc)) {
      json snapshot = json::parse(data, nullptr, false);
      if (snapshot.is_object()) {
        into = std::move(snapshot);
      } else {
        if (!data.empty()) spdlog::warn("leader: {} holds no JSON object, taken as empty", path);
        into = json::object();
      }
      return;
    }
    if (!zk::no_node(rc)) {
      spdlog::warn("leader: cannot read {}: {}", path, zk::error(rc));
      return;
    }
    rc = session.exists(path, nullptr, true);  // fires when it appears
    if (zk::no_node(rc)) {
      into = json::object();
      return;
    }
    if (!zk::ok(rc)) {
      spdlog::warn("leader: cannot watch {}: {}", path, zk::error(rc));
      return;
    }
  }
  spdlog::warn("leader: {} keeps appearing and vanishing; read again at its next event", path);
}

void ClusterView::merge_dependencies() {
  json deps = json::object();
  for (const auto& dep : settings_.depends_on) {
    json merged = json::object();
    auto add = [&](const std::string& cluster) {
      const auto it = snapshots_.find(cluster);
      if (it == snapshots_.end()) return;
      // Snapshots are others' data: keep only usable registrations.
      for (const auto& [uuid, reg] : it->second.items()) {
        if (reg.is_object()) merged[uuid] = reg;
      }
    };
    if (is_glob(dep)) {
      for (const auto& c : match_glob(dep, settings_.ns, settings_.cluster, clusters_)) add(c);
    } else {
      add(dependency_cluster(dep, settings_.ns));
    }
    deps[dep] = std::move(merged);
  }
  dependencies_ = std::move(deps);
  dependency_texts_.clear();
  for (auto it = dependencies_.begin(); it != dependencies_.end(); ++it) {
    dependency_texts_[it.key()] = to_json(*it);
  }
}

json ClusterView::local() const {
  json local = json::object();
  // Node names sort by uuid then sequence: the newest registration wins.
  for (const auto& entry : pods_) {
    if (entry.second) local[entry.second->node.uuid] = entry.second->node.payload;
  }
  return local;
}

std::map<std::string, const std::string*> ClusterView::newest_texts() const {
  std::map<std::string, const std::string*> out;
  for (const auto& entry : pods_) {
    if (entry.second) out[entry.second->node.uuid] = &entry.second->text;
  }
  return out;
}

size_t ClusterView::pod_count() const { return newest_texts().size(); }

bool ClusterView::visible(const std::string& uuid) const {
  if (withdrawn_.count(uuid)) return false;
  // Node names start with the uuid and a dot: the first at or after it.
  for (auto it = pods_.lower_bound(uuid + "."); it != pods_.end(); ++it) {
    if (it->first.compare(0, uuid.size() + 1, uuid + ".") != 0) break;
    if (it->second) return true;
  }
  return false;
}

json ClusterView::snapshot_map() const {
  json map = dependencies_;
  map["local"] = local();
  return map;
}

std::string ClusterView::snapshot_hash() const {
  // The canonical text of snapshot_map(): its keys sorted, "local" among the
  // dependencies (and taking the place of one so named), values as kept.
  std::map<std::string_view, std::function<void(SnapshotHasher&)>> parts;
  for (const auto& [dep, text] : dependency_texts_) {
    parts[dep] = [&text = text](SnapshotHasher& h) { h.add(text); };
  }
  const auto pods = newest_texts();
  parts["local"] = [&pods](SnapshotHasher& h) {
    h.add("{");
    bool first = true;
    for (const auto& [uuid, text] : pods) {
      h.add(first ? "" : ",");
      first = false;
      h.add(to_json(uuid));
      h.add(":");
      h.add(*text);
    }
    h.add("}");
  };
  SnapshotHasher hasher;
  hasher.add("{");
  bool first = true;
  for (const auto& [key, add_value] : parts) {
    hasher.add(first ? "" : ",");
    first = false;
    hasher.add(to_json(std::string(key)));
    hasher.add(":");
    add_value(hasher);
  }
  hasher.add("}");
  return hasher.finish();
}

int read_stored_hash(ZkSession& session, const ClusterPaths& paths, std::string* hash) {
  const std::string& path = paths.hash;
  std::string data;
  hash->clear();
  const int rc = session.get(path, &data, nullptr, false);
  if (zk::no_node(rc)) return 0;
  if (!zk::ok(rc)) return rc;
  // NULL (our older pods) and empty (kazoo's ensure_path) both mean none yet.
  if (data.empty()) return rc;
  if (!looks_like_hash(data)) {
    spdlog::warn("leader: {} holds no hash ({} bytes), taken as none", path, data.size());
    return rc;
  }
  *hash = data;
  return rc;
}

}  // namespace ochopod
