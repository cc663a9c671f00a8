// What every binding shares: reading the environment's ochopod_* settings and
// PORT_<n> remappings into a PodSettings, and finishing the registration.
// Each binding (bindings/<name>.cpp) adds its own addressing on top.
#pragma once

#include <optional>
#include <string>

#include "bindings/binding.h"
#include "runtime/base/numbers.h"

namespace ochopod::binding {

std::string get(const Environment& env, const std::string& key, const std::string& fallback = "");
bool is_true(const std::string& value);
std::string host_name();
// The first IPv4 address of an interface that is up and not loopback, else
// 127.0.0.1.
std::string first_ipv4();

// Where the pod runs, as a binding found it.
struct Placement {
  std::string ip;
  std::string public_ip;
  std::string node;
  std::string application;
  std::string task;
  // false: container ports are reachable as they are; PORT_<n> then only
  // declares that port n is exposed (n -> n).
  bool remap_ports = true;
};

// The common part: cluster, namespace, flags, ports, ZooKeeper (ochopod_zk,
// or zk_fallback when a binding found one itself), then the registration
// with the placement's keys. Local mode overrides the placement's addresses.
BindingResult finish(const Environment& env, const std::string& name, Placement placement,
                     const std::string& zk_fallback = "");

// The token (ochopod_token_file, else ochopod_token) and the TLS files
// (ochopod_tls_cert/key/ca) into *security; false with a one-line *error that
// never holds the token (bindings/security.cpp).
bool read_security(const Environment& env, ControlSecurity* security, std::string* error);
// The ochopod_* variables a registration must not copy.
bool is_secret_variable(const std::string& key);

// Implemented one per file.
BindingResult resolve_local(const Environment& env);
BindingResult resolve_marathon(const Environment& env);
BindingResult resolve_kubernetes(const Environment& env);

}  // namespace ochopod::binding
