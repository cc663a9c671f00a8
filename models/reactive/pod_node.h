// One child of <cluster>/pods read as a registration: the node's name and
// data give the pod's key, its seq and its payload (docs/protocol.md 2).
//
// The leader's ClusterView (coordinator loop) and the operator commands'
// inventory (cli ops_zk.cpp) both read pods this way, so they agree on which
// nodes are pods and what they are called. Pure function, any thread.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace ochopod {

struct PodNode {
  std::string uuid;        // the node name before the first '.': the pod's key
  int seq = -1;            // payload "seq", else the node's sequence suffix
  nlohmann::json payload;  // the registration object
};

// nullopt when the node holds no JSON object: empty data is a pod between
// create and set (its data watch brings the payload), anything else is not
// a pod of ours.
std::optional<PodNode> parse_pod_node(const std::string& name, const std::string& data);

}  // namespace ochopod
