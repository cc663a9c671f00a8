// Cluster discovery for the operator subcommands: which clusters match the
// globs and which pods are registered in them, read once from ZooKeeper
// (docs/protocol.md 1 and 2) through the runtime's own ZkSession. Read-only: it
// never writes. ops_commands.cpp calls read_inventory() once per invocation,
// then hands the pods to the per-pod actions (ops_actions.h).
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace ochopod::cli {

// One registered pod, as its registration payload describes it.
struct PodRecord {
  std::string cluster;     // "<namespace>.<cluster>"
  std::string node;        // "<uuid>.<10 digits>"
  std::string uuid;        // node name before the first '.': the pod's key
  int seq = -1;            // payload "seq", else the node's suffix
  nlohmann::json payload;  // the registration object

  // "<namespace>.<cluster> #<seq>": how tables and JSON name the pod.
  std::string key() const { return cluster + " #" + std::to_string(seq); }
  std::string string_field(const std::string& name) const;  // "" if absent
  // ports[n] as an int; nullopt when the pod does not expose n.
  std::optional<int> remapped(int container_port) const;
  // ports[port]: where the control port is reachable; nullopt if not exposed.
  std::optional<int> control_port() const;
};

struct Inventory {
  std::vector<std::string> clusters;  // matching cluster names, sorted
  std::vector<PodRecord> pods;        // their pods, by cluster then seq
};

// Connects to zk (docs/protocol.md 6 syntax), waits at most `deadline` for the
// session, reads the clusters matching any glob (fnmatch on the full name) and
// their pods, closes. Pod nodes without a JSON object payload are skipped; a
// uuid registered twice keeps its newest node. nullopt with *error set when
// ZooKeeper cannot be read.
std::optional<Inventory> read_inventory(const std::string& zk,
                                        const std::vector<std::string>& globs,
                                        std::chrono::milliseconds deadline, std::string* error);

// The pods whose seq is in seqs (all of them when seqs is empty).
std::vector<PodRecord> pick(const std::vector<PodRecord>& pods, const std::set<int>& seqs);

}  // namespace ochopod::cli
