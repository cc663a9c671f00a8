// PodSettings: everything a pod is told at boot, before any part exists.
//
// The bindings (bindings/) fill one from the environment and `ochopod run`
// from its options; run_pod() (pod.h) reads it on the main thread, and the
// parts it builds keep a const reference for the pod's life.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "runtime/http/client.h"
#include "runtime/pod/log.h"
#include "runtime/zk/acl.h"
#include "runtime/zk/address.h"

namespace ochopod {

// How the control plane is protected (docs/protocol.md, "Security"); all
// empty: as Python pods, plain HTTP and no token.
struct ControlSecurity {
  std::string token;              // required of every caller, sent in every round
  std::string tls_cert, tls_key;  // PEM files: the control port speaks HTTPS
  std::string tls_ca;             // the CA the pods this one calls must chain to

  // What the leader's rounds and checks present to other pods.
  HttpTrust trust() const { return {token, tls_ca}; }
};

struct PodSettings {
  std::string cluster = "default";
  std::string ns = "marathon";
  std::optional<ZkAddress> zk;          // none: solo, the pod leads itself
  ZkAclMode zk_acl = ZkAclMode::kOpen;  // of the cluster's nodes (ochopod_zk_acl)
  std::string bind = "0.0.0.0";
  int listen_port = 8080;  // where the control port listens
  std::chrono::milliseconds session_timeout{5000};
  nlohmann::json registration = nlohmann::json::object();  // without seq
  nlohmann::json dependencies = nlohmann::json::array();   // the model's depends_on
  bool start = true;                                       // ochopod_start
  log::Options log;
  size_t max_body = 1 << 20;
  ControlSecurity security;
  // The pod's own stop (docs/lifecycle.md, "The pod process itself"): once
  // out of its dependents' view, how long it keeps serving before it drains
  // and stops its child; and the whole stop's budget (zero: none, each step
  // bounded by its own setting).
  std::chrono::milliseconds leave_delay{0};
  std::chrono::milliseconds stop_timeout{0};

  std::string full_name() const { return ns + "." + cluster; }
};

}  // namespace ochopod
