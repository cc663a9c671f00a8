#include "cli/ops/zk.h"

#include <fnmatch.h>

#include <algorithm>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <tuple>

#include "models/reactive/pod_node.h"
#include "models/reactive/snapshot.h"
#include "runtime/zk/address.h"
#include "runtime/zk/layout.h"
#include "runtime/zk/session.h"

namespace ochopod::cli {

namespace {

// What the session's sink (on the C client's thread) tells the reader. Shared,
// so a late event after the reader gave up touches nothing freed.
struct SessionState {
  std::mutex mutex;
  std::condition_variable changed;
  bool connected = false;
  std::string failure;  // auth failed, expired
};

// ZooKeeper's word for rc, with what to do about a refusal: a private
// cluster (--zk-acl private) reads only with its credentials.
std::string why(int rc) {
  std::string text = zk::error(rc);
  if (zk::not_authorized(rc))
    text += " (a private cluster: give its credentials as zk://user:pass@...)";
  return text;
}

bool matches(const std::vector<std::string>& globs, const std::string& name) {
  return std::any_of(globs.begin(), globs.end(), [&](const std::string& glob) {
    return ::fnmatch(glob.c_str(), name.c_str(), 0) == 0;
  });
}

std::unique_ptr<ZkSession> connect(const std::string& zk, std::chrono::milliseconds deadline,
                                   std::string* error) {
  const auto address = parse_zk_address(zk, error);
  if (!address) return nullptr;
  auto state = std::make_shared<SessionState>();
  auto session = ZkSession::open(
      *address, deadline,
      [state](ZkEvent event) {
        std::lock_guard lock(state->mutex);
        if (event.kind == ZkEvent::Kind::kConnected) state->connected = true;
        if (event.kind == ZkEvent::Kind::kAuthFailed) state->failure = "authentication failed";
        if (event.kind == ZkEvent::Kind::kExpired) state->failure = "session expired";
        state->changed.notify_all();
      },
      error);
  if (!session) return nullptr;
  std::unique_lock lock(state->mutex);
  state->changed.wait_for(lock, deadline,
                          [&] { return state->connected || !state->failure.empty(); });
  if (!state->failure.empty() || !state->connected) {
    *error = "cannot reach ZooKeeper at " + address->display() + ": " +
             (state->failure.empty()
                  ? "no session within " + std::to_string(deadline.count() / 1000) + " s"
                  : state->failure);
    lock.unlock();
    return nullptr;
  }
  return session;
}

// The pods of one cluster; false with *error on a ZooKeeper failure.
bool read_pods(ZkSession& session, const std::string& cluster, std::vector<PodRecord>* out,
               std::string* error) {
  const ClusterPaths paths(cluster);
  std::vector<std::string> nodes;
  int rc = session.children(paths.pods, &nodes, false);
  if (zk::no_node(rc)) return true;
  if (!zk::ok(rc)) {
    *error = "reading " + paths.pods + ": " + why(rc);
    return false;
  }
  std::sort(nodes.begin(), nodes.end());
  std::map<std::string, PodRecord> by_uuid;  // later (newer) nodes replace earlier ones
  for (const auto& node : nodes) {
    std::string data;
    rc = session.get(paths.pod(node), &data, nullptr, false);
    if (zk::no_node(rc)) continue;  // gone meanwhile
    if (!zk::ok(rc)) {
      *error = "reading " + paths.pod(node) + ": " + why(rc);
      return false;
    }
    auto parsed = parse_pod_node(node, data);
    if (!parsed) continue;  // being registered, or not a pod of ours
    PodRecord pod;
    pod.cluster = cluster;
    pod.node = node;
    pod.uuid = std::move(parsed->uuid);
    pod.seq = parsed->seq;
    pod.payload = std::move(parsed->payload);
    by_uuid[pod.uuid] = std::move(pod);
  }
  for (auto& [uuid, pod] : by_uuid) out->push_back(std::move(pod));
  return true;
}

}  // namespace

std::string PodRecord::string_field(const std::string& name) const {
  const auto it = payload.find(name);
  return it != payload.end() && it->is_string() ? it->get<std::string>() : "";
}

std::optional<int> PodRecord::remapped(int container_port) const {
  return remapped_port(payload, container_port);
}

std::optional<int> PodRecord::control_port() const { return ochopod::control_port(payload); }

std::optional<Inventory> read_inventory(const std::string& zk,
                                        const std::vector<std::string>& globs,
                                        std::chrono::milliseconds deadline, std::string* error) {
  auto session = connect(zk, deadline, error);
  if (!session) return std::nullopt;
  Inventory inventory;
  std::vector<std::string> names;
  const std::string root(kClustersRoot);
  const int rc = session->children(root, &names, false);
  if (zk::no_node(rc)) return inventory;
  if (!zk::ok(rc)) {
    *error = "reading " + root + ": " + why(rc);
    return std::nullopt;
  }
  std::sort(names.begin(), names.end());
  for (const auto& name : names) {
    if (!matches(globs, name)) continue;
    inventory.clusters.push_back(name);
    if (!read_pods(*session, name, &inventory.pods, error)) return std::nullopt;
  }
  std::stable_sort(inventory.pods.begin(), inventory.pods.end(),
                   [](const PodRecord& a, const PodRecord& b) {
                     return std::tie(a.cluster, a.seq) < std::tie(b.cluster, b.seq);
                   });
  return inventory;
}

std::vector<PodRecord> pick(const std::vector<PodRecord>& pods, const std::set<int>& seqs) {
  std::vector<PodRecord> out;
  for (const auto& pod : pods) {
    if (seqs.empty() || seqs.count(pod.seq) != 0) out.push_back(pod);
  }
  return out;
}

}  // namespace ochopod::cli
