// ClusterView: the leader's cache of its own cluster's pods and of its
// dependencies' snapshots, kept from ZooKeeper watches, never by polling
// (docs/protocol.md 4).
//
// Owned by the ReactiveLeader and used only on the coordinator loop, against
// the session the Coordinator lent it (calls are synchronous). Incremental
// from the start: a children event reads only the pods that appeared and
// drops the ones that vanished, keeping every other pod's payload; a data
// event re-reads that one node; the root's children are listed only for glob
// dependencies, and only newly matched clusters' snapshots are read. What
// others wrote where ochopod writes (pod nodes, `snapshot`, `hash`) and is not
// what ochopod writes is skipped with a log line, never trusted, never fatal.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "models/reactive/pod_node.h"
#include "runtime/zk/layout.h"
#include "runtime/zk/session.h"

namespace ochopod {

class ClusterView {
 public:
  struct Settings {
    std::string root;                     // kClustersRoot
    std::string cluster;                  // ours, "<namespace>.<name>"
    std::string ns;                       // for relative dependencies
    std::vector<std::string> depends_on;  // as the model wrote them
  };

  explicit ClusterView(Settings settings);

  // Forgets everything and reads it all again, setting the watches (on
  // taking the lead, and on regaining the connection: events may be lost).
  void reload(ZkSession& session);
  // A watch fired: re-reads what it names. False if it names nothing we keep.
  bool on_watch(ZkSession& session, const ZkEvent& event);
  void clear();

  // uuid -> registration, the pods with a usable payload. A newer
  // registration of the same uuid (higher seq) wins over an older one still
  // waiting for its session to expire.
  nlohmann::json local() const;
  // dependency string -> {uuid -> registration}, merged over glob matches.
  const nlohmann::json& dependencies() const { return dependencies_; }
  // What the hash covers: dependencies plus "local".
  nlohmann::json snapshot_map() const;
  // snapshot_hash(snapshot_map()), from the texts kept per pod and per
  // dependency: no map is built or dumped.
  std::string snapshot_hash() const;
  // local().size(), without building it.
  size_t pod_count() const;
  // Whether the pod of this uuid is registered with a usable payload and has
  // not withdrawn from its dependents' view (docs/protocol.md 7, "Leaving
  // before stopping"): what the published snapshot may list.
  bool visible(const std::string& uuid) const;
  // Whether the pods were listed since the last reload() or clear().
  bool listed() const { return listed_; }

  const ClusterPaths& paths() const { return paths_; }

 private:
  void list_pods(ZkSession& session);
  void list_withdrawn(ZkSession& session);
  void read_pod(ZkSession& session, const std::string& name);
  void list_clusters(ZkSession& session);
  void read_snapshot(ZkSession& session, const std::string& cluster);
  void sync_snapshots(ZkSession& session);
  std::set<std::string> wanted_clusters() const;
  void merge_dependencies();

  const Settings settings_;
  const ClusterPaths paths_;
  bool has_glob_ = false;
  // A usable registration and its canonical text (what the hash covers).
  struct Pod {
    PodNode node;
    std::string text;
  };
  // Node names sort by uuid then sequence; the last of a uuid is the newest.
  // Pods by uuid, that newest one's text: what local() holds.
  std::map<std::string, const std::string*> newest_texts() const;

  // Every child of pods/, with its payload once it holds a usable one.
  std::map<std::string, std::optional<Pod>> pods_;
  std::set<std::string> withdrawn_;  // uuids under withdrawn/
  bool listed_ = false;
  std::vector<std::string> clusters_;                // the root's children (globs only)
  std::map<std::string, nlohmann::json> snapshots_;  // cluster -> its pods (object)
  nlohmann::json dependencies_ = nlohmann::json::object();
  std::map<std::string, std::string> dependency_texts_;  // dependency -> its text
};

// The hash the last round stored (the cluster's `hash`), or "" when none:
// missing, NULL or empty data alike, and anything that is not a hash (logged).
// Returns the session's code; ZNONODE counts as success.
int read_stored_hash(ZkSession& session, const ClusterPaths& paths, std::string* hash);

}  // namespace ochopod
