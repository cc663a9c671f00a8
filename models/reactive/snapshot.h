// Snapshot maps and their hash (docs/protocol.md 4), and how dependency strings
// name clusters. Pure functions, used by the reactive leader and the benches.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ochopod {

// MD5 of the canonical (sorted-key, compact) JSON of the map, as "9e:10:...".
std::string snapshot_hash(const nlohmann::json& snapshot_map);

// The same hash, fed the canonical text in pieces: the leader's ClusterView
// keeps each pod's text and hashes those rather than dumping a new map at
// every change (for a large cluster, the whole map built and written out).
class SnapshotHasher {
 public:
  SnapshotHasher();
  ~SnapshotHasher();
  SnapshotHasher(const SnapshotHasher&) = delete;
  SnapshotHasher& operator=(const SnapshotHasher&) = delete;
  void add(std::string_view text);
  std::string finish();  // once, after the last add()

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// The full cluster name a non-glob dependency refers to: "x" -> "<ns>.x",
// "/other.x" -> "other.x".
std::string dependency_cluster(const std::string& dependency, const std::string& ns);

bool is_glob(const std::string& dependency);

// For a glob dependency: which of the root's children it matches (our own
// cluster excluded), by fnmatch on "<ns>.<glob>" or the absolute name.
std::vector<std::string> match_glob(const std::string& dependency, const std::string& ns,
                                    const std::string& own_cluster,
                                    const std::vector<std::string>& clusters);

// A number in a registration ("port", the values of "ports", "seq"): an
// integer, or a string of decimal digits (as other implementations write it).
std::optional<int> registration_number(const nlohmann::json& value);
// ports[<container_port>]: where that port of the pod is reachable.
std::optional<int> remapped_port(const nlohmann::json& registration, int container_port);
// ports[port]: where the pod's control port is reachable; nullopt if it does
// not expose it. The leader's rounds and the operator commands both find a
// pod this way, so they agree on which pods they can reach.
std::optional<int> control_port(const nlohmann::json& registration);

// Control URL of a registration: http://<ip>:<control_port>, or https:// when
// the registration says "tls": "true" (docs/protocol.md, "Security"); empty
// if the pod does not expose its control port.
std::string control_url(const nlohmann::json& registration);

}  // namespace ochopod
