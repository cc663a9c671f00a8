// Cluster: the view of the cluster handed to a pod's callbacks.
//
// Built from a configuration payload (docs/protocol.md 4: {"pods", "dependencies",
// "key"}) when the leader asks a pod to check, configure or acknowledge, and
// by the leader itself before probe(). Plain data: copy it freely.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace ochopod {

struct Cluster {
  std::string key;  // the receiving pod's uuid; pods[key] is its own payload
  nlohmann::json pods = nlohmann::json::object();          // uuid -> registration
  nlohmann::json dependencies = nlohmann::json::object();  // dependency -> {uuid -> registration}
  int index = 0;    // position of key in the sorted keys of pods
  int64_t seq = 0;  // this pod's stable seq (from pods[key])
  int size = 0;     // number of pods

  // Reads a configuration payload. Throws std::invalid_argument with a
  // readable message when the payload is not an object of that shape.
  static Cluster from_payload(const nlohmann::json& payload);

  // The payload form again (what a leader POSTs, what OCHOPOD_CLUSTER holds).
  nlohmann::json to_json() const;

  // "ip:port,ip:port" for every pod of a dependency, with the container port
  // remapped through each pod's "ports". Throws std::out_of_range if the
  // dependency is unknown or a pod does not expose that port.
  std::string grep(const std::string& dependency, int port, bool use_public = false) const;
};

}  // namespace ochopod
