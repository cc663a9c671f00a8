// Snapshot maps and their hash (docs/protocol.md 4), and how dependency strings
// name clusters. Pure functions, used by the reactive leader and the benches.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace ochopod {

// MD5 of the canonical (sorted-key, compact) JSON of the map, as "9e:10:...".
std::string snapshot_hash(const nlohmann::json& snapshot_map);

// The full cluster name a non-glob dependency refers to: "x" -> "<ns>.x",
// "/other.x" -> "other.x".
std::string dependency_cluster(const std::string& dependency, const std::string& ns);

bool is_glob(const std::string& dependency);

// For a glob dependency: which of the root's children it matches (our own
// cluster excluded), by fnmatch on "<ns>.<glob>" or the absolute name.
std::vector<std::string> match_glob(const std::string& dependency, const std::string& ns,
                                    const std::string& own_cluster,
                                    const std::vector<std::string>& clusters);

// Control URL of a registration: http://<ip>:<ports[port]>; empty if the pod
// does not expose its control port.
std::string control_url(const nlohmann::json& registration);

}  // namespace ochopod
