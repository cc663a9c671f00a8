// PodSpec: how to launch one `ochopod run` pod of a test cluster on this host:
// the ochopod_* environment of docs/protocol.md 6 in local mode (all pods share one
// ochopod_port, each listens on its own remapped PORT_<ochopod_port>), the
// `run` options, and the child command. Launch it with PodProcess(spec).
//
//   PodProcess pod(PodSpec(zk.connect_string()).with_cluster("web")
//                      .with_option("--damper=0.5"));
//   pod_info(pod.control_port());
#pragma once

#include <map>
#include <string>
#include <vector>

namespace ochopod::test {

// The ochopod binary built with the tests.
inline std::string default_pod_program() { return OCHOPOD_BIN; }

struct PodSpec {
  std::string zk;                     // ochopod_zk; empty runs the pod solo
  std::string cluster = "test";       // ochopod_cluster
  std::string ns = "local";           // ochopod_namespace
  int ochopod_port = 8080;            // ochopod_port, shared by the cluster's pods
  int control_port = 0;               // PORT_<ochopod_port>; 0 picks a free one at launch
  std::string session_timeout = "2";  // ochopod_session_timeout, seconds
  std::vector<std::string> options;   // `ochopod run` options, before `--`
  std::vector<std::string> child = {"/bin/sleep", "3600"};
  std::map<std::string, std::string> env;  // extra variables; win over the ones above
  std::string program = default_pod_program();

  PodSpec() = default;
  explicit PodSpec(std::string zk_connect) : zk(std::move(zk_connect)) {}

  PodSpec& with_cluster(std::string v);
  PodSpec& with_namespace(std::string v);
  PodSpec& with_ochopod_port(int v);
  PodSpec& with_control_port(int v);
  PodSpec& with_session_timeout(std::string seconds);
  PodSpec& with_option(std::string v);  // e.g. "--grace=1" or "--shell"
  PodSpec& with_child(std::vector<std::string> argv);
  PodSpec& with_env(const std::string& key, std::string value);
  PodSpec& with_program(std::string path);

  // "run", options..., "--", child...
  std::vector<std::string> args() const;
  // The variables to add to our environment (control_port must be resolved).
  std::map<std::string, std::string> environment() const;
};

}  // namespace ochopod::test
