#include "bindings/common.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <span>
#include <vector>

#include "runtime/base/text.h"
#include "runtime/base/unique_fd.h"

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
  result.error = "unknown binding '" + name + "' (" + one_of(kBindingNames) + ")";
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
  // SIOCGIFCONF lists the IPv4 addresses by interface, as getifaddrs() would
  // in the same order, without its two netlink dumps (every link with its
  // statistics, then every address of every family): a tenth of a
  // millisecond of a boot, for one address.
  const detail::UniqueFd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!fd) return "127.0.0.1";
  std::vector<ifreq> list(8);
  ifconf conf{};
  for (;;) {
    conf.ifc_len = static_cast<int>(list.size() * sizeof(ifreq));
    conf.ifc_req = list.data();
    if (::ioctl(fd.get(), SIOCGIFCONF, &conf) != 0) return "127.0.0.1";
    // A full buffer may have left interfaces out: ask again with more room.
    if (static_cast<size_t>(conf.ifc_len) < list.size() * sizeof(ifreq)) break;
    list.resize(list.size() * 2);
  }
  const size_t count = static_cast<size_t>(conf.ifc_len) / sizeof(ifreq);
  for (const ifreq& entry : std::span(list).first(count)) {
    if (entry.ifr_addr.sa_family != AF_INET) continue;
    ifreq flags{};
    std::memcpy(flags.ifr_name, entry.ifr_name, sizeof flags.ifr_name);
    if (::ioctl(fd.get(), SIOCGIFFLAGS, &flags) != 0) continue;
    if ((flags.ifr_flags & IFF_LOOPBACK) != 0 || (flags.ifr_flags & IFF_UP) == 0) continue;
    char text[INET_ADDRSTRLEN] = {};
    const auto* addr = reinterpret_cast<const sockaddr_in*>(&entry.ifr_addr);
    if (::inet_ntop(AF_INET, &addr->sin_addr, text, sizeof text) != nullptr) return text;
  }
  return "127.0.0.1";
}

namespace {

// What finish() reads from the environment before it writes the
// registration.
struct Read {
  PodSettings settings;
  bool debug = true;
  bool local = false;
  std::string port_text;  // ochopod_port as given: the registration's "port"
  int port = 0;
  json ports = json::object();  // container port -> the port it is reached on
};

// Cluster, namespace, the true/false flags and the log format.
bool read_flags(const Environment& env, Read* r, std::string* error) {
  PodSettings& s = r->settings;
  s.cluster = get(env, "ochopod_cluster", "default");
  s.ns = get(env, "ochopod_namespace", "marathon");
  r->debug = is_true(get(env, "ochopod_debug", "true"));
  r->local = is_true(get(env, "ochopod_local", "false"));
  s.start = is_true(get(env, "ochopod_start", "true"));
  s.log.debug = r->debug;
  const std::string log_format = get(env, "ochopod_log_format", "text");
  const auto format = log::parse_format(log_format);
  if (!format) {
    *error =
        "ochopod_log_format must be " + one_of(log::kFormatNames) + ", got '" + log_format + "'";
    return false;
  }
  s.log.format = *format;
  return true;
}

// ochopod_port and the PORT_<n> remappings; remap: whether PORT_<n> says
// where port n is reached (else it only declares it exposed).
bool read_ports(const Environment& env, bool remap, Read* r, std::string* error) {
  r->port_text = get(env, "ochopod_port", "8080");
  const auto port = parse_port(r->port_text);
  if (!port) {
    *error = "ochopod_port must be a port number, got '" + r->port_text + "'";
    return false;
  }
  r->port = *port;
  for (const auto& [key, value] : env) {
    if (key.rfind("PORT_", 0) != 0) continue;
    const auto inside = parse_port(key.substr(5));
    const auto outside = parse_port(value);
    if (!inside || !outside) {
      *error = key + " must map a port to a port, got '" + value + "'";
      return false;
    }
    r->ports[std::to_string(*inside)] = remap || r->local ? *outside : *inside;
  }
  if (!r->ports.contains(r->port_text)) r->ports[r->port_text] = *port;
  return true;
}

// The address (ochopod_zk, else what the binding found) and, with one, the
// ACL of the cluster's nodes; none: solo.
bool read_zookeeper(const Environment& env, const std::string& zk_fallback, PodSettings* s,
                    std::string* error) {
  const std::string zk = get(env, "ochopod_zk", zk_fallback);
  if (zk.empty()) return true;
  std::string why;
  auto address = parse_zk_address(zk, &why);
  if (!address) {
    *error = "ochopod_zk: " + why;
    return false;
  }
  s->zk = std::move(*address);
  const auto acl = choose_zk_acl(get(env, "ochopod_zk_acl"), !s->zk->user.empty(), &why);
  if (!acl) {
    *error = why;
    return false;
  }
  s->zk_acl = *acl;
  return true;
}

// The registration (docs/protocol.md 2): every ochopod_<x> but the secrets,
// then the pod's own keys, which win over them.
json build_registration(const Environment& env, const std::string& name, const Placement& placement,
                        const Read& r) {
  const PodSettings& s = r.settings;
  const std::string fwk = s.zk ? name : "solo";
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
  reg["port"] = r.port_text;
  reg["ports"] = r.ports;
  reg["node"] = placement.node;
  reg["application"] = placement.application;
  reg["task"] = placement.task;
  reg["zk"] = s.zk ? s.zk->display() : "";
  reg["fwk"] = fwk;
  reg["binding"] = fwk;
  reg["debug"] = r.debug ? "true" : "false";
  reg["local"] = r.local ? "true" : "false";
  reg["start"] = s.start ? "true" : "false";
  // Only when set, so registrations without TLS stay as Python pods write
  // them; never from a stray ochopod_tls, which would send callers to https.
  if (!s.security.tls_cert.empty()) {
    reg["tls"] = "true";
  } else {
    reg.erase("tls");
  }
  return reg;
}

}  // namespace

BindingResult finish(const Environment& env, const std::string& name, Placement placement,
                     const std::string& zk_fallback) {
  BindingResult result;
  Read r;
  if (!read_flags(env, &r, &result.error) ||
      !read_ports(env, placement.remap_ports, &r, &result.error) ||
      !read_zookeeper(env, zk_fallback, &r.settings, &result.error) ||
      !read_security(env, &r.settings.security, &result.error)) {
    return result;
  }
  if (r.local) {
    placement.ip = placement.public_ip = "127.0.0.1";
    placement.node = "local";
  }
  r.settings.registration = build_registration(env, name, placement, r);
  // In local mode no container maps ports: listen on the remapped one, so a
  // whole cluster sharing one ochopod_port fits on one host.
  r.settings.listen_port = r.local ? r.ports[r.port_text].get<int>() : r.port;
  result.settings = std::move(r.settings);
  return result;
}

}  // namespace binding
}  // namespace ochopod
