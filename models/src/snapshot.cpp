#include "ochopod/snapshot.h"

#include <fnmatch.h>
#include <openssl/evp.h>

#include <cstdio>

#include "ochopod/text.h"

namespace ochopod {

using nlohmann::json;

std::string snapshot_hash(const json& snapshot_map) {
  // nlohmann::json objects keep keys sorted, so dump() is canonical.
  const std::string text = to_json(snapshot_map);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(text.data(), text.size(), digest, &length, EVP_md5(), nullptr);
  std::string out;
  out.reserve(length * 3);
  char pair[4];
  for (unsigned int i = 0; i < length; ++i) {
    std::snprintf(pair, sizeof pair, i ? ":%02x" : "%02x", digest[i]);
    out += pair;
  }
  return out;
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

std::string control_url(const json& registration) {
  if (!registration.is_object()) return "";
  const auto port = registration.find("port");
  const auto ports = registration.find("ports");
  const auto ip = registration.find("ip");
  if (port == registration.end() || !port->is_string() || ports == registration.end() ||
      !ports->is_object() || ip == registration.end() || !ip->is_string()) {
    return "";
  }
  const auto remapped = ports->find(port->get<std::string>());
  if (remapped == ports->end() || !remapped->is_number_integer()) return "";
  return "http://" + ip->get<std::string>() + ":" + std::to_string(remapped->get<int>());
}

}  // namespace ochopod
