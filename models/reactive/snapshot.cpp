#include "models/reactive/snapshot.h"

#include <fnmatch.h>


#include "runtime/base/numbers.h"
#include "runtime/base/text.h"
#include "runtime/crypto/digest.h"
#include "runtime/crypto/md5.h"

namespace ochopod {

using nlohmann::json;

struct SnapshotHasher::State {
  Md5 md5;
};

SnapshotHasher::SnapshotHasher() : state_(std::make_unique<State>()) {}

SnapshotHasher::~SnapshotHasher() = default;

void SnapshotHasher::add(std::string_view text) { state_->md5.add(text); }

std::string SnapshotHasher::finish() { return to_hex(state_->md5.finish(), ":"); }

std::string snapshot_hash(const json& snapshot_map) {
  // nlohmann::json objects keep keys sorted, so dump() is canonical.
  SnapshotHasher hasher;
  hasher.add(to_json(snapshot_map));
  return hasher.finish();
}

std::string dependency_cluster(const std::string& dependency, const std::string& ns) {
  if (!dependency.empty() && dependency[0] == '/') return dependency.substr(1);
  return ns + "." + dependency;
}

bool is_glob(const std::string& dependency) { return dependency.find('*') != std::string::npos; }

std::vector<std::string> match_glob(const std::string& dependency, const std::string& ns,
                                    const std::string& own_cluster,
                                    const std::vector<std::string>& clusters) {
  const std::string pattern = dependency_cluster(dependency, ns);
  std::vector<std::string> out;
  for (const auto& name : clusters) {
    if (name != own_cluster && ::fnmatch(pattern.c_str(), name.c_str(), 0) == 0) {
      out.push_back(name);
    }
  }
  return out;
}

std::optional<int> registration_number(const json& value) {
  if (value.is_number_integer()) return value.get<int>();
  if (value.is_string()) {
    const auto n = parse_integer<int>(value.get_ref<const std::string&>());
    if (n && *n >= 0) return n;
  }
  return std::nullopt;
}

std::optional<int> remapped_port(const json& registration, int container_port) {
  if (!registration.is_object()) return std::nullopt;
  const auto ports = registration.find("ports");
  if (ports == registration.end() || !ports->is_object()) return std::nullopt;
  const auto it = ports->find(std::to_string(container_port));
  if (it == ports->end()) return std::nullopt;
  return registration_number(*it);
}

std::optional<int> control_port(const json& registration) {
  if (!registration.is_object()) return std::nullopt;
  const auto it = registration.find("port");
  if (it == registration.end()) return std::nullopt;
  const auto port = registration_number(*it);
  return port ? remapped_port(registration, *port) : std::nullopt;
}

std::string control_url(const json& registration) {
  const auto port = control_port(registration);
  if (!port) return "";
  const auto ip = registration.find("ip");
  if (ip == registration.end() || !ip->is_string() || ip->get_ref<const std::string&>().empty())
    return "";
  const auto tls = registration.find("tls");
  const bool https = tls != registration.end() && tls->is_string() && *tls == "true";
  return (https ? "https://" : "http://") + ip->get<std::string>() + ":" + std::to_string(*port);
}

}  // namespace ochopod
