// ClusterPaths: where a cluster's nodes are in ZooKeeper, spelled once
// (docs/protocol.md 1; `withdrawn` in 7, "Leaving before stopping"), in the
// manner of Curator's ZKPaths.
//
// The Coordinator (its own cluster), the leader's ClusterView (its own and
// its dependencies') and the operator commands' inventory (cli/ops/zk.cpp)
// build their paths here, so they agree on the tree other implementations
// read. Pure values, any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ochopod {

// Every cluster's home hangs under it.
inline constexpr std::string_view kClustersRoot = "/ochopod/clusters";

struct ClusterPaths {
  // name: the cluster's full name, "<namespace>.<cluster>".
  explicit ClusterPaths(std::string_view name, std::string_view root = kClustersRoot)
      : root(root),
        cluster(this->root + "/" + std::string(name)),
        pods(cluster + "/pods"),
        hash(cluster + "/hash"),
        snapshot(cluster + std::string(kSnapshotLeaf)),
        lock(cluster + "/coordinator"),
        withdrawn(cluster + "/withdrawn") {}

  // One pod's registration node, "<uuid>.<seq>".
  std::string pod(std::string_view node) const { return pods + "/" + std::string(node); }
  // The mark of a pod that withdrew from its dependents' view.
  std::string withdrawn_pod(std::string_view uuid) const {
    return withdrawn + "/" + std::string(uuid);
  }

  // The full name of the cluster whose snapshot `path` is, when it is one
  // (the path of a watch on a dependency).
  static std::optional<std::string> snapshot_owner(std::string_view path,
                                                   std::string_view root = kClustersRoot) {
    const std::string_view leaf = kSnapshotLeaf;
    if (path.size() <= root.size() + 1 + leaf.size()) return std::nullopt;
    if (path.substr(0, root.size()) != root || path[root.size()] != '/') return std::nullopt;
    if (path.substr(path.size() - leaf.size()) != leaf) return std::nullopt;
    return std::string(path.substr(root.size() + 1, path.size() - root.size() - 1 - leaf.size()));
  }

  std::string root;       // where the clusters hang
  std::string cluster;    // the cluster's home
  std::string pods;       // the registrations
  std::string hash;       // the last configured snapshot's hash
  std::string snapshot;   // the leader's published pods
  std::string lock;       // the election's lock nodes ("coordinator")
  std::string withdrawn;  // the pods out of their dependents' view

 private:
  static constexpr std::string_view kSnapshotLeaf = "/snapshot";
};

}  // namespace ochopod
