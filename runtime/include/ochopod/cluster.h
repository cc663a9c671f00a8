// Cluster: the view of the cluster handed to a pod's callbacks.
//
// Built from a configuration payload (docs/protocol.md 4: {"pods", "dependencies",
// "key"}) when the leader asks a pod to check, configure or acknowledge, and
// by the leader itself before probe(). Copy it freely: copies share one
// immutable `pods` map.
//
// The `pods` map is the one large part (it grows with the cluster and
// arrives three times a round), so a pod reads key, index, seq and
// size from the payload's text and builds the map's tree only when pods() is
// first called. A pod whose callbacks never call it never pays for it.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace ochopod {

namespace detail {
struct ClusterBuild;  // the runtime's own way in (not part of the API)
}

struct Cluster {
  std::string key;  // the receiving pod's uuid; pods()[key] is its own payload
  nlohmann::json dependencies = nlohmann::json::object();  // dependency -> {uuid -> registration}
  int index = 0;    // position of key in the sorted keys of pods
  int64_t seq = 0;  // this pod's stable seq (from pods()[key])
  int size = 0;     // number of pods

  // uuid -> registration. Built on the first call (thread-safe), then kept.
  // Throws std::runtime_error in the (unknown) case where the text the
  // payload was validated with does not parse again.
  const nlohmann::json& pods() const;
  // The same map as JSON text, as the payload wrote it when it came as text
  // (compact when it came as a tree). Valid while this Cluster or a copy lives.
  std::string_view pods_text() const;

  // Reads a configuration payload. Throws std::invalid_argument with a
  // readable message when the payload is not an object of that shape.
  static Cluster from_payload(const nlohmann::json& payload);
  // The same from the payload's JSON text, without building the pods tree.
  // Throws std::invalid_argument when it is not JSON or not of that shape.
  static Cluster from_text(std::string_view payload_text);

  // The payload form again (what a leader POSTs, what OCHOPOD_CLUSTER holds).
  nlohmann::json to_json() const;

  // "ip:port,ip:port" for every pod of a dependency, with the container port
  // remapped through each pod's "ports". Throws std::out_of_range if the
  // dependency is unknown or a pod does not expose that port.
  std::string grep(const std::string& dependency, int port, bool use_public = false) const;

 private:
  friend struct detail::ClusterBuild;
  struct Pods;
  std::shared_ptr<const Pods> pods_;  // null: no pods
};

}  // namespace ochopod
