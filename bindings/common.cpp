#include "bindings/common.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <unistd.h>

namespace ochopod {

using nlohmann::json;

BindingResult resolve_binding(const Environment& env, const std::string& binding) {
  std::string name = binding;
  if (name.empty()) {
    name = env.count("MARATHON_APP_ID") ? "marathon" : env.count("POD_IP") ? "kubernetes" : "local";
  }
  if (name == "local") return binding::resolve_local(env);
  if (name == "marathon") return binding::resolve_marathon(env);
  if (name == "kubernetes") return binding::resolve_kubernetes(env);
  if (name == "solo") {
    // Solo ignores any ZooKeeper address: the pod is alone by request.
    Environment alone = env;
    alone.erase("ochopod_zk");
    return binding::resolve_local(alone);
  }
  BindingResult result;
  result.error = "unknown binding '" + name + "' (marathon, kubernetes, local or solo)";
  return result;
}

namespace binding {

std::string get(const Environment& env, const std::string& key, const std::string& fallback) {
  auto it = env.find(key);
  return it == env.end() ? fallback : it->second;
}

bool is_true(const std::string& value) { return value == "true" || value == "1"; }

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

BindingResult finish(const Environment& env, const std::string& name, Placement placement,
                     const std::string& zk_fallback) {
  BindingResult result;
  PodSettings s;
  s.cluster = get(env, "ochopod_cluster", "default");
  s.ns = get(env, "ochopod_namespace", "marathon");
  const bool debug = is_true(get(env, "ochopod_debug", "true"));
  const bool local = is_true(get(env, "ochopod_local", "false"));
  s.start = is_true(get(env, "ochopod_start", "true"));
  s.log.debug = debug;
  const std::string log_format = get(env, "ochopod_log_format", "text");
  if (const auto format = log::parse_format(log_format)) {
    s.log.format = *format;
  } else {
    result.error = "ochopod_log_format must be text or json, got '" + log_format + "'";
    return result;
  }

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
    ports[std::to_string(*inside)] = placement.remap_ports || local ? *outside : *inside;
  }
  if (!ports.contains(port_text)) ports[port_text] = *port;

  const std::string zk = get(env, "ochopod_zk", zk_fallback);
  if (!zk.empty()) {
    std::string error;
    auto address = parse_zk_address(zk, &error);
    if (!address) {
      result.error = "ochopod_zk: " + error;
      return result;
    }
    s.zk = std::move(*address);
  }
  // The ACL of the cluster's nodes: only with ZooKeeper (solo has none).
  if (s.zk) {
    std::string error;
    const auto acl = choose_zk_acl(get(env, "ochopod_zk_acl"), !s.zk->user.empty(), &error);
    if (!acl) {
      result.error = error;
      return result;
    }
    s.zk_acl = *acl;
  }
  const std::string fwk = s.zk ? name : "solo";
  if (!read_security(env, &s.security, &result.error)) return result;

  if (local) {
    placement.ip = placement.public_ip = "127.0.0.1";
    placement.node = "local";
  }
  // Every ochopod_<x> goes in first; the binding's keys win over them.
  json reg = json::object();
  for (const auto& [key, value] : env) {
    if (key.rfind("ochopod_", 0) == 0 && key.size() > 8 && !is_secret_variable(key)) {
      reg[key.substr(8)] = value;
    }
  }
  reg["cluster"] = s.cluster;
  reg["namespace"] = s.ns;
  reg["ip"] = placement.ip;
  reg["public"] = placement.public_ip;
  reg["port"] = port_text;
  reg["ports"] = ports;
  reg["node"] = placement.node;
  reg["application"] = placement.application;
  reg["task"] = placement.task;
  reg["zk"] = s.zk ? s.zk->display() : "";
  reg["fwk"] = fwk;
  reg["binding"] = fwk;
  reg["debug"] = debug ? "true" : "false";
  reg["local"] = local ? "true" : "false";
  reg["start"] = s.start ? "true" : "false";
  // Only when set, so registrations without TLS stay as Python pods write
  // them; never from a stray ochopod_tls, which would send callers to https.
  if (!s.security.tls_cert.empty()) {
    reg["tls"] = "true";
  } else {
    reg.erase("tls");
  }
  s.registration = std::move(reg);
  // In local mode no container maps ports: listen on the remapped one, so a
  // whole cluster sharing one ochopod_port fits on one host.
  s.listen_port = local ? ports[port_text].get<int>() : *port;
  result.settings = std::move(s);
  return result;
}

}  // namespace binding
}  // namespace ochopod
