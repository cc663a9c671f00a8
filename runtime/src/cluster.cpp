#include "ochopod/cluster.h"

#include <algorithm>
#include <stdexcept>
#include <vector>

namespace ochopod {

using nlohmann::json;

Cluster Cluster::from_payload(const json& payload) {
  if (!payload.is_object()) throw std::invalid_argument("configuration payload is not an object");
  Cluster c;
  auto pods = payload.find("pods");
  if (pods == payload.end() || !pods->is_object()) {
    throw std::invalid_argument("configuration payload has no \"pods\" object");
  }
  c.pods = *pods;
  auto deps = payload.find("dependencies");
  if (deps != payload.end()) {
    if (!deps->is_object()) throw std::invalid_argument("\"dependencies\" is not an object");
    c.dependencies = *deps;
  }
  auto key = payload.find("key");
  if (key != payload.end()) {
    if (!key->is_string()) throw std::invalid_argument("\"key\" is not a string");
    c.key = key->get<std::string>();
  }
  c.size = static_cast<int>(c.pods.size());
  // json objects iterate in sorted key order, so the index is the position.
  int i = 0;
  for (auto it = c.pods.begin(); it != c.pods.end(); ++it, ++i) {
    if (it.key() == c.key) {
      c.index = i;
      if (it->is_object() && it->contains("seq") && (*it)["seq"].is_number_integer()) {
        c.seq = (*it)["seq"].get<int64_t>();
      }
    }
  }
  return c;
}

json Cluster::to_json() const {
  return json{{"key", key},   {"index", index}, {"seq", seq},
              {"size", size}, {"pods", pods},   {"dependencies", dependencies}};
}

std::string Cluster::grep(const std::string& dependency, int port, bool use_public) const {
  auto dep = dependencies.find(dependency);
  if (dep == dependencies.end() || !dep->is_object()) {
    throw std::out_of_range("unknown dependency '" + dependency + "'");
  }
  std::vector<std::string> tokens;
  for (const auto& pod : *dep) {
    // Registrations come from other pods: a malformed one is "not exposed",
    // never a JSON type error escaping the documented contract.
    const auto ports = pod.is_object() ? pod.value("ports", json::object()) : json::object();
    auto remapped = ports.find(std::to_string(port));
    if (remapped == ports.end() || !remapped->is_number_integer()) {
      throw std::out_of_range("a pod of '" + dependency + "' does not expose port " +
                              std::to_string(port));
    }
    const auto host = pod.find(use_public ? "public" : "ip");
    if (host != pod.end() && !host->is_string()) {
      throw std::out_of_range("a pod of '" + dependency + "' has no usable address");
    }
    tokens.push_back((host == pod.end() ? std::string() : host->get<std::string>()) + ":" +
                     std::to_string(remapped->get<int>()));
  }
  std::sort(tokens.begin(), tokens.end());
  std::string out;
  for (const auto& t : tokens) out += (out.empty() ? "" : ",") + t;
  return out;
}

}  // namespace ochopod
