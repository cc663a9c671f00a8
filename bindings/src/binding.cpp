#include "ochopod/binding.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <unistd.h>

#include <cstdlib>

extern char** environ;

namespace ochopod {

using nlohmann::json;

namespace {

std::string get(const Environment& env, const std::string& key, const std::string& fallback) {
  auto it = env.find(key);
  return it == env.end() ? fallback : it->second;
}

std::optional<int> parse_port(const std::string& text) {
  if (text.empty() || text.size() > 5) return std::nullopt;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  const int port = std::stoi(text);
  if (port < 1 || port > 65535) return std::nullopt;
  return port;
}

std::string host_name() {
  char buffer[256] = {};
  if (::gethostname(buffer, sizeof buffer - 1) != 0) return "localhost";
  return buffer;
}

std::string first_ipv4() {
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return "127.0.0.1";
  std::string found = "127.0.0.1";
  for (ifaddrs* it = list; it != nullptr; it = it->ifa_next) {
    if (it->ifa_addr == nullptr || it->ifa_addr->sa_family != AF_INET) continue;
    if ((it->ifa_flags & IFF_LOOPBACK) != 0 || (it->ifa_flags & IFF_UP) == 0) continue;
    char text[INET_ADDRSTRLEN] = {};
    const auto* addr = reinterpret_cast<const sockaddr_in*>(it->ifa_addr);
    if (::inet_ntop(AF_INET, &addr->sin_addr, text, sizeof text) != nullptr) {
      found = text;
      break;
    }
  }
  ::freeifaddrs(list);
  return found;
}

bool is_true(const std::string& value) { return value == "true" || value == "1"; }

}  // namespace

Environment current_environment() {
  Environment env;
  for (char** it = environ; it != nullptr && *it != nullptr; ++it) {
    const std::string entry = *it;
    const size_t eq = entry.find('=');
    if (eq != std::string::npos) env.emplace(entry.substr(0, eq), entry.substr(eq + 1));
  }
  return env;
}

BindingResult resolve_binding(const Environment& env, const std::string& binding) {
  BindingResult result;
  const std::string name = binding.empty() ? "local" : binding;
  if (name != "local") {
    result.error = "binding '" + name + "' is not available yet (only 'local' is)";
    return result;
  }
  PodSettings s;
  s.cluster = get(env, "ochopod_cluster", "default");
  s.ns = get(env, "ochopod_namespace", "marathon");
  const std::string debug = get(env, "ochopod_debug", "true");
  const std::string local = get(env, "ochopod_local", "false");
  const std::string start = get(env, "ochopod_start", "true");
  s.log.debug = is_true(debug);
  s.start = is_true(start);

  const std::string port_text = get(env, "ochopod_port", "8080");
  const auto port = parse_port(port_text);
  if (!port) {
    result.error = "ochopod_port must be a port number, got '" + port_text + "'";
    return result;
  }
  json ports = json::object();
  for (const auto& [key, value] : env) {
    if (key.rfind("PORT_", 0) != 0) continue;
    const auto inside = parse_port(key.substr(5));
    const auto outside = parse_port(value);
    if (!inside || !outside) {
      result.error = key + " must map a port to a port, got '" + value + "'";
      return result;
    }
    ports[std::to_string(*inside)] = *outside;
  }
  if (!ports.contains(port_text)) ports[port_text] = *port;

  const std::string zk = get(env, "ochopod_zk", "");
  if (!zk.empty()) {
    std::string error;
    auto address = parse_zk_address(zk, &error);
    if (!address) {
      result.error = "ochopod_zk: " + error;
      return result;
    }
    s.zk = std::move(*address);
  }

  // Every ochopod_<x> goes in first; the binding's keys win over them.
  json reg = json::object();
  for (const auto& [key, value] : env) {
    if (key.rfind("ochopod_", 0) == 0 && key.size() > 8) reg[key.substr(8)] = value;
  }
  const bool local_mode = is_true(local);
  const std::string ip = local_mode ? "127.0.0.1" : first_ipv4();
  reg["cluster"] = s.cluster;
  reg["namespace"] = s.ns;
  reg["ip"] = ip;
  reg["public"] = ip;
  reg["port"] = port_text;
  reg["ports"] = ports;
  reg["node"] = local_mode ? "local" : host_name();
  reg["application"] = "";
  reg["task"] = "";
  reg["zk"] = s.zk ? s.zk->display() : "";
  reg["fwk"] = name;
  reg["binding"] = name;
  reg["debug"] = is_true(debug) ? "true" : "false";
  reg["local"] = local_mode ? "true" : "false";
  reg["start"] = is_true(start) ? "true" : "false";
  s.registration = std::move(reg);
  // In local mode no container maps ports: listen on the remapped one, so a
  // whole cluster sharing one ochopod_port fits on one host.
  s.listen_port = local_mode ? ports[port_text].get<int>() : *port;
  result.settings = std::move(s);
  return result;
}

}  // namespace ochopod
