// What integration tests read back from a cluster: registrations and lock
// nodes through kazoo (an independent client), pod states through /info and
// their logs through /log.
#pragma once

#include <algorithm>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "harness/http.h"
#include "harness/kazoo.h"
#include "harness/pod_process.h"
#include "harness/pod_spec.h"
#include "harness/wait.h"
#include "harness/zk_server.h"

namespace ochopod::test {

struct SeenPod {
  std::string node;        // "<uuid>.<10 digits>"
  nlohmann::json payload;  // null when empty or not JSON
  int64_t owner = 0;
  std::string uuid() const { return node.substr(0, node.find('.')); }
};

inline std::string cluster_path(const std::string& full_name = "local.test") {
  return "/ochopod/clusters/" + full_name;
}

inline std::vector<SeenPod> registrations(const std::string& zk,
                                          const std::string& full_name = "local.test") {
  std::vector<SeenPod> out;
  const auto names = kazoo_children(zk, cluster_path(full_name) + "/pods");
  if (!names) return out;
  for (const auto& name : *names) {
    auto node = kazoo_get(zk, cluster_path(full_name) + "/pods/" + name);
    if (!node) continue;
    out.push_back({name, nlohmann::json::parse(node->data, nullptr, false), node->ephemeral_owner});
    if (out.back().payload.is_discarded()) out.back().payload = nullptr;
  }
  return out;
}

// The registration whose control port is remapped to port.
inline std::optional<SeenPod> registration_of(const std::string& zk, int port,
                                              const std::string& full_name = "local.test") {
  for (auto& r : registrations(zk, full_name)) {
    if (r.payload.is_object() &&
        r.payload.value("ports", nlohmann::json::object()).value(r.payload.value("port", ""), 0) ==
            port) {
      return r;
    }
  }
  return std::nullopt;
}

inline std::vector<std::string> lock_nodes(const std::string& zk,
                                           const std::string& full_name = "local.test") {
  return kazoo_children(zk, cluster_path(full_name) + "/coordinator")
      .value_or(std::vector<std::string>{});
}

inline std::string state_of(int port) {
  auto info = pod_info(port, std::chrono::seconds(2));
  return info ? info->value("state", "") : "";
}

// The pod's "process" in /info ("" when it does not answer).
inline std::string process_of(int port) {
  auto info = pod_info(port, std::chrono::seconds(2));
  return info ? info->value("process", "") : "";
}

// A pod without ZooKeeper: it leads itself and configures its own child.
// A child that records a SIGTERM in `marker` and exits 0, once it has set
// its trap (it creates `ready` then).
inline std::vector<std::string> term_trapping_child(const std::string& marker,
                                                    const std::string& ready) {
  return {"/bin/sh", "-c",
          "trap 'echo term > " + marker + "; exit 0' TERM; : > " + ready +
              "; while :; do sleep 0.05; done"};
}

inline PodSpec solo() {
  PodSpec s;
  s.zk = "";
  return s;
}

// Whether the pod's /log (its in-memory ring) holds text.
inline bool log_has(int port, const std::string& text) {
  const auto reply = http_post(port, "/log");
  return reply.status == 200 && reply.body.find(text) != std::string::npos;
}

inline bool is_leader(int port) { return state_of(port).rfind("leader", 0) == 0; }

using Pods = std::vector<std::unique_ptr<PodProcess>>;

inline int count_leaders(const Pods& pods) {
  int n = 0;
  for (const auto& p : pods) n += is_leader(p->control_port()) ? 1 : 0;
  return n;
}

inline PodProcess* leader_of(const Pods& pods) {
  for (const auto& p : pods) {
    if (is_leader(p->control_port())) return p.get();
  }
  return nullptr;
}

inline Pods launch_pods(const PodSpec& spec, int n) {
  Pods pods;
  for (int i = 0; i < n; ++i) pods.push_back(std::make_unique<PodProcess>(spec));
  return pods;
}

// Every pod registered with a payload, and every pod's control port answers.
inline bool all_registered(const std::string& zk, const Pods& pods,
                           const std::string& full_name = "local.test") {
  for (const auto& p : pods) {
    if (!registration_of(zk, p->control_port(), full_name)) return false;
  }
  return true;
}

}  // namespace ochopod::test
