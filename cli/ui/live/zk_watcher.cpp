#include "cli/ui/live/zk_watcher.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <limits>
#include <tuple>
#include <utility>

#include "models/reactive/pod_node.h"
#include "runtime/zk/layout.h"

namespace ochopod::cli::ui {

namespace {

// How often a read chases a node that keeps appearing and vanishing between
// two calls before it waits for the next watch instead.
constexpr int kChases = 3;

// The lock node's sequence, when name is a contender's ("<prefix>__lock__<10 digits>").
std::optional<int64_t> lock_sequence(const std::string& name) {
  static constexpr std::string_view kMark = "__lock__";
  const size_t at = name.rfind(kMark);
  if (at == std::string::npos) return std::nullopt;
  return zk::sequence_suffix(std::string_view(name).substr(at + kMark.size()));
}

}  // namespace

WallTime system_wall_clock() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

ZkWatcher::ZkWatcher(Scheduler& loop, ZkSessionFactory factory, NewsSink news, WallClock clock,
                     std::chrono::milliseconds session_timeout)
    : loop_(loop),
      factory_(std::move(factory)),
      news_(std::move(news)),
      clock_(std::move(clock)),
      session_timeout_(session_timeout) {}

ZkWatcher::~ZkWatcher() {
  {
    std::lock_guard lock(signal_->mutex);
    signal_->closed = true;
    signal_->changed.notify_all();
  }
  loop_.cancel(reopen_timer_);
  session_.reset();
}

bool ZkWatcher::open(std::string* error) {
  loop_.cancel(reopen_timer_);
  reopen_timer_ = 0;
  session_.reset();  // an expired handle is dead: only a new session helps
  const uint64_t generation = ++generation_;
  auto signal = signal_;
  Scheduler* loop = &loop_;
  // The ZooKeeper client's thread: note what wait_connected() waits for,
  // post the rest; never read the tree from here.
  ZkSession::Sink sink = [signal, loop, this, generation](ZkEvent event) {
    std::lock_guard lock(signal->mutex);
    if (signal->closed) return;
    if (event.kind == ZkEvent::Kind::kConnected) signal->connected = true;
    if (event.kind == ZkEvent::Kind::kAuthFailed) signal->failure = "authentication failed";
    if (event.kind == ZkEvent::Kind::kExpired) signal->failure = "session expired";
    signal->changed.notify_all();
    // Under the lock: once the destructor set closed, nothing more is posted.
    loop->post([this, generation, event = std::move(event)] { on_event(generation, event); });
  };
  std::string why;
  session_ = factory_(session_timeout_, std::move(sink), &why);
  ++sessions_opened_;
  if (!session_) {
    if (error != nullptr) *error = why;
    return false;
  }
  return true;
}

bool ZkWatcher::wait_connected(std::chrono::milliseconds deadline, std::string* error) {
  std::unique_lock lock(signal_->mutex);
  signal_->changed.wait_for(lock, deadline, [&] {
    return signal_->connected || signal_->closed || !signal_->failure.empty();
  });
  if (signal_->connected) return true;
  *error = "cannot reach ZooKeeper at " + health_.address + ": " +
           (signal_->failure.empty()
                ? "no session within " + std::to_string(deadline.count() / 1000) + " s"
                : signal_->failure);
  return false;
}

void ZkWatcher::reopen() {
  std::string error;
  if (open(&error)) return;
  const auto delay = reopen_backoff_.next();
  spdlog::warn("ui: cannot open a ZooKeeper session ({}); trying again in {} ms", error,
               delay.count());
  reopen_timer_ = loop_.post_after(delay, [this] {
    reopen_timer_ = 0;
    reopen();
  });
}

void ZkWatcher::lost(const std::string& why) {
  health_.connected = false;
  if (health_.stale_since == 0) health_.stale_since = clock_();
  tell("", "", false);
  if (why == "expired") {
    spdlog::warn("ui: the ZooKeeper session expired; opening a new one");
    reopen();
    return;
  }
  // Authentication failed: the server will say the same at once, so wait.
  const auto delay = reopen_backoff_.next();
  spdlog::warn("ui: ZooKeeper refused our credentials; trying again in {} ms", delay.count());
  session_.reset();
  ++generation_;
  loop_.cancel(reopen_timer_);
  reopen_timer_ = loop_.post_after(delay, [this] {
    reopen_timer_ = 0;
    reopen();
  });
}

void ZkWatcher::on_event(uint64_t generation, const ZkEvent& event) {
  if (generation != generation_ || !session_) return;  // an older session's word
  switch (event.kind) {
    case ZkEvent::Kind::kConnected:
      if (!health_.connected && health_.stale_since != 0) {
        spdlog::info("ui: ZooKeeper is back; reading everything again");
      }
      health_.connected = true;
      health_.stale_since = 0;
      reopen_backoff_.reset();
      // After a gap, watches may have fired unseen (or died with a session).
      read_all();
      tell("", "", false);
      return;
    case ZkEvent::Kind::kSuspended:
      spdlog::warn("ui: lost ZooKeeper; the picture is stale until it is back");
      health_.connected = false;
      if (health_.stale_since == 0) health_.stale_since = clock_();
      tell("", "", false);
      return;
    case ZkEvent::Kind::kExpired:
      lost("expired");
      return;
    case ZkEvent::Kind::kAuthFailed:
      lost("auth");
      return;
    case ZkEvent::Kind::kWatch:
      on_watch(event);
      return;
  }
}

void ZkWatcher::on_watch(const ZkEvent& event) {
  const std::string root(kClustersRoot);
  const std::string& path = event.path;
  if (path == root) {
    read_clusters();
    return;
  }
  if (path.size() <= root.size() + 1 || path.compare(0, root.size() + 1, root + "/") != 0) return;
  const std::string rest = path.substr(root.size() + 1);
  const size_t slash = rest.find('/');
  if (slash == std::string::npos) return;  // the cluster's own node: not watched
  const std::string name = rest.substr(0, slash);
  if (clusters_.count(name) == 0) return;  // a watch left by a cluster since gone
  const std::string leaf = rest.substr(slash + 1);
  if (leaf == "pods") {
    read_pods(name);
  } else if (leaf.rfind("pods/", 0) == 0) {
    const std::string node = leaf.substr(5);
    Cluster& cluster = clusters_[name];
    if (cluster.nodes.count(node) == 0) return;
    if (zk::is_deleted_event(event.type)) {
      cluster.nodes.erase(node);
      cluster.pods.erase(node);
      tell(name, node, false);
    } else {
      read_pod(name, node);
    }
  } else if (leaf == "coordinator" || leaf.rfind("coordinator/", 0) == 0) {
    read_leader(name);
  } else if (leaf == "hash") {
    read_hash(name);
  } else if (leaf == "snapshot") {
    read_snapshot(name);
  }
}

bool ZkWatcher::check(int rc, const std::string& what) {
  if (zk::ok(rc)) return true;
  if (zk::connection_lost(rc)) {
    // Reconnection (or a new session) reads everything again.
    read_failed_ = true;
    spdlog::debug("ui: reading {}: {}; read again once reconnected", what, zk::error(rc));
    return false;
  }
  spdlog::warn("ui: reading {}: {}", what, zk::error(rc));
  return false;
}

void ZkWatcher::tell(const std::string& cluster, const std::string& node, bool fetch) {
  if (news_) news_(ZkNews{cluster, node, fetch});
}

void ZkWatcher::read_all() {
  if (!session_) return;
  // Into a fresh tree, kept only if whole: a read cut short by a lost
  // connection must not look like pods leaving.
  auto old = std::move(clusters_);
  clusters_.clear();
  read_failed_ = false;
  read_clusters();
  if (read_failed_) clusters_ = std::move(old);
}

void ZkWatcher::read_clusters() {
  if (!session_) return;
  const std::string root(kClustersRoot);
  std::vector<std::string> names;
  int rc = 0;
  for (int chase = 0; chase < kChases; ++chase) {
    rc = session_->children(root, &names, true);
    if (!zk::no_node(rc)) break;
    // Nothing registered yet: hear of the root's creation.
    rc = session_->exists(root, nullptr, true);
    if (zk::no_node(rc)) break;
  }
  if (zk::no_node(rc))
    names.clear();
  else if (!check(rc, root))
    return;
  const std::set<std::string> listed(names.begin(), names.end());
  for (auto it = clusters_.begin(); it != clusters_.end();) {
    if (listed.count(it->first) != 0) {
      ++it;
      continue;
    }
    const std::string gone = it->first;
    it = clusters_.erase(it);
    tell(gone, "", false);
  }
  for (const auto& name : listed) {
    if (clusters_.count(name) == 0) read_cluster(name);
  }
}

void ZkWatcher::read_cluster(const std::string& name) {
  clusters_[name];
  read_pods(name);
  read_leader(name);
  read_hash(name);
  read_snapshot(name);
  tell(name, "", true);
}

void ZkWatcher::read_pods(const std::string& name) {
  if (!session_) return;
  const ClusterPaths paths(name);
  std::vector<std::string> nodes;
  int rc = 0;
  for (int chase = 0; chase < kChases; ++chase) {
    rc = session_->children(paths.pods, &nodes, true);
    if (!zk::no_node(rc)) break;
    rc = session_->exists(paths.pods, nullptr, true);
    if (zk::no_node(rc)) break;
  }
  if (zk::no_node(rc))
    nodes.clear();
  else if (!check(rc, paths.pods))
    return;
  Cluster& cluster = clusters_[name];
  const std::set<std::string> listed(nodes.begin(), nodes.end());
  for (auto it = cluster.nodes.begin(); it != cluster.nodes.end();) {
    if (listed.count(*it) != 0) {
      ++it;
      continue;
    }
    const std::string gone = *it;
    cluster.pods.erase(gone);
    it = cluster.nodes.erase(it);
    tell(name, gone, false);
  }
  // Known nodes keep their data watch: only new ones are read.
  for (const auto& node : listed) {
    if (cluster.nodes.insert(node).second) read_pod(name, node);
  }
}

void ZkWatcher::read_pod(const std::string& name, const std::string& node) {
  if (!session_) return;
  const ClusterPaths paths(name);
  const std::string path = paths.pod(node);
  std::string data;
  ZkStat stat;
  const int rc = session_->get(path, &data, &stat, true);
  Cluster& cluster = clusters_[name];
  if (zk::no_node(rc)) {  // gone meanwhile
    cluster.nodes.erase(node);
    if (cluster.pods.erase(node) != 0) tell(name, node, false);
    return;
  }
  if (!check(rc, path)) return;
  auto parsed = parse_pod_node(node, data);
  if (!parsed) {
    // Being registered (its data watch brings the payload), or not a pod of ours.
    if (cluster.pods.erase(node) != 0) tell(name, node, false);
    return;
  }
  Pod pod;
  pod.record.cluster = name;
  pod.record.node = node;
  pod.record.uuid = std::move(parsed->uuid);
  pod.record.seq = parsed->seq;
  pod.record.payload = std::move(parsed->payload);
  pod.session = stat.ephemeral_owner;
  cluster.pods[node] = std::move(pod);
  tell(name, node, true);
}

void ZkWatcher::read_leader(const std::string& name) {
  if (!session_) return;
  const ClusterPaths paths(name);
  int64_t owner = 0;
  for (int chase = 0; chase < kChases; ++chase) {
    std::vector<std::string> locks;
    int rc = session_->children(paths.lock, &locks, true);
    if (zk::no_node(rc)) {
      rc = session_->exists(paths.lock, nullptr, true);
      if (zk::no_node(rc)) break;
      if (!check(rc, paths.lock)) return;
      continue;  // created meanwhile
    }
    if (!check(rc, paths.lock)) return;
    std::optional<std::pair<int64_t, std::string>> lowest;
    for (const auto& lock : locks) {
      const auto sequence = lock_sequence(lock);
      if (sequence && (!lowest || *sequence < lowest->first)) lowest = {{*sequence, lock}};
    }
    if (!lowest) break;
    ZkStat stat;
    const std::string path = paths.lock + "/" + lowest->second;
    rc = session_->exists(path, &stat, false);
    if (zk::no_node(rc)) continue;  // the leader just left: list again
    if (!check(rc, path)) return;
    owner = stat.ephemeral_owner;
    break;
  }
  Cluster& cluster = clusters_[name];
  if (owner == cluster.leader_session) return;
  cluster.leader_session = owner;
  tell(name, "", true);
}

void ZkWatcher::read_hash(const std::string& name) {
  if (!session_) return;
  const ClusterPaths paths(name);
  std::string data;
  ZkStat stat;
  WallTime configured = 0;
  int rc = session_->get(paths.hash, &data, &stat, true);
  if (zk::no_node(rc)) {
    rc = session_->exists(paths.hash, nullptr, true);
    // Created meanwhile: its creation fired the watch just set.
    if (!zk::ok(rc) && !zk::no_node(rc) && !check(rc, paths.hash)) return;
  } else if (!check(rc, paths.hash)) {
    return;
  } else if (!data.empty()) {  // empty before the first configuration
    configured = static_cast<double>(stat.mtime_ms) / 1000.0;
  }
  Cluster& cluster = clusters_[name];
  if (configured == cluster.configured_at) return;
  cluster.configured_at = configured;
  tell(name, "", true);
}

void ZkWatcher::read_snapshot(const std::string& name) {
  if (!session_) return;
  const ClusterPaths paths(name);
  std::string data;
  int size = -1;
  std::set<std::string> uuids;
  int rc = session_->get(paths.snapshot, &data, nullptr, true);
  if (zk::no_node(rc)) {
    rc = session_->exists(paths.snapshot, nullptr, true);
    if (!zk::ok(rc) && !zk::no_node(rc) && !check(rc, paths.snapshot)) return;
  } else if (!check(rc, paths.snapshot)) {
    return;
  } else {
    const auto parsed = nlohmann::json::parse(data, nullptr, false);
    if (parsed.is_object()) {
      size = static_cast<int>(parsed.size());
      for (const auto& [uuid, registration] : parsed.items()) uuids.insert(uuid);
    } else {
      spdlog::debug("ui: {} is not a JSON object; ignored", paths.snapshot);
    }
  }
  Cluster& cluster = clusters_[name];
  if (size == cluster.snapshot_size && uuids == cluster.snapshot_uuids) return;
  cluster.snapshot_size = size;
  cluster.snapshot_uuids = std::move(uuids);
  tell(name, "", false);
}

std::vector<ClusterView> ZkWatcher::clusters() const {
  std::vector<ClusterView> out;
  out.reserve(clusters_.size());
  for (const auto& [name, cluster] : clusters_) {
    ClusterView view;
    view.name = name;
    view.configured_at = cluster.configured_at;
    view.snapshot_size = cluster.snapshot_size;
    // As the operator commands: a uuid registered twice keeps its newest
    // node (node names sort by their sequence suffix within a uuid).
    std::map<std::string, const Pod*> by_uuid;
    for (const auto& [node, pod] : cluster.pods) by_uuid[pod.record.uuid] = &pod;
    for (const auto& [uuid, pod] : by_uuid) {
      PodView p;
      p.record = pod->record;
      p.session = pod->session;
      p.leader = cluster.leader_session != 0 && pod->session == cluster.leader_session;
      p.in_snapshot = cluster.snapshot_uuids.count(uuid) != 0;
      view.pods.push_back(std::move(p));
    }
    std::sort(view.pods.begin(), view.pods.end(), [](const PodView& a, const PodView& b) {
      return std::tie(a.record.seq, a.record.uuid) < std::tie(b.record.seq, b.record.uuid);
    });
    for (size_t i = 0; i + 1 < view.pods.size(); ++i) {
      if (view.pods[i].record.seq == view.pods[i + 1].record.seq) {
        view.pods[i].duplicate_seq = true;
        view.pods[i + 1].duplicate_seq = true;
      }
    }
    out.push_back(std::move(view));
  }
  return out;
}

}  // namespace ochopod::cli::ui
