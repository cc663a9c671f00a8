// How a pod of the zookeeper example renders its server's configuration from
// the cluster the leader handed it. Header-only and pure, so the tests can
// check it without running Java.
//
// Container ports: 2181 (clients), 2888 (peers), 3888 (leader election). Each
// server is `server.<seq+1>=<ip>:<peer>:<election>` with the ports as the
// other pods reach them (their "ports" remapping). A server binds its own
// line: inside a container that is 0.0.0.0 and the container ports; in local
// mode (no container, pods share the host) it is its remapped ports.
#pragma once

#include <ochopod/cluster.h>

#include <map>
#include <stdexcept>
#include <string>

namespace zookeeper_example {

inline int remapped(const nlohmann::json& pod, int port) {
  const auto ports = pod.value("ports", nlohmann::json::object());
  const auto it = ports.find(std::to_string(port));
  if (it == ports.end() || !it->is_number_integer()) {
    throw std::runtime_error("pod " + pod.value("ip", std::string("?")) + " does not expose port " +
                             std::to_string(port));
  }
  return it->get<int>();
}

inline int server_id(const nlohmann::json& pod) {
  const int64_t seq = pod.value("seq", int64_t{-1});
  // ZooKeeper's myid is 1..255 in practice (the election encodes it in a byte
  // in some paths); ochopod's seq grows forever, so say it clearly.
  if (seq < 0 || seq + 1 > 255) {
    throw std::runtime_error("seq " + std::to_string(seq) +
                             " gives a server id past 255: recreate the cluster's nodes");
  }
  return static_cast<int>(seq + 1);
}

struct Rendered {
  int myid = 0;
  int client_port = 0;  // where this server listens for clients
  std::string zoo_cfg;
};

inline Rendered render(const ochopod::Cluster& cluster, const std::string& data_dir) {
  const nlohmann::json& self = cluster.pods().at(cluster.key);
  const bool local = self.value("local", std::string("false")) == "true";
  Rendered out;
  out.myid = server_id(self);
  out.client_port = local ? remapped(self, 2181) : 2181;
  std::string servers;
  for (const auto& [key, pod] : cluster.pods().items()) {
    const int id = server_id(pod);
    std::string line;
    if (key == cluster.key && !local) {
      line = "0.0.0.0:2888:3888";
    } else {
      line = pod.value("ip", std::string()) + ":" + std::to_string(remapped(pod, 2888)) + ":" +
             std::to_string(remapped(pod, 3888));
    }
    servers += "server." + std::to_string(id) + "=" + line + "\n";
  }
  out.zoo_cfg =
      "tickTime=500\ninitLimit=20\nsyncLimit=10\n"
      "dataDir=" +
      data_dir +
      "\n"
      "clientPort=" +
      std::to_string(out.client_port) +
      "\n"
      "maxClientCnxns=0\n4lw.commands.whitelist=*\nadmin.enableServer=false\n"
      "standaloneEnabled=false\n" +
      servers;
  return out;
}

}  // namespace zookeeper_example
