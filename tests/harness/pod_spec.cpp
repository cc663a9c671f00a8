#include "harness/pod_spec.h"

namespace ochopod::test {

PodSpec& PodSpec::with_cluster(std::string v) {
  cluster = std::move(v);
  return *this;
}
PodSpec& PodSpec::with_namespace(std::string v) {
  ns = std::move(v);
  return *this;
}
PodSpec& PodSpec::with_ochopod_port(int v) {
  ochopod_port = v;
  return *this;
}
PodSpec& PodSpec::with_control_port(int v) {
  control_port = v;
  return *this;
}
PodSpec& PodSpec::with_session_timeout(std::string seconds) {
  session_timeout = std::move(seconds);
  return *this;
}
PodSpec& PodSpec::with_option(std::string v) {
  options.push_back(std::move(v));
  return *this;
}
PodSpec& PodSpec::with_child(std::vector<std::string> argv) {
  child = std::move(argv);
  return *this;
}
PodSpec& PodSpec::with_env(const std::string& key, std::string value) {
  env[key] = std::move(value);
  return *this;
}
PodSpec& PodSpec::with_program(std::string path) {
  program = std::move(path);
  return *this;
}

std::vector<std::string> PodSpec::args() const {
  std::vector<std::string> a{"run"};
  a.insert(a.end(), options.begin(), options.end());
  a.push_back("--");
  a.insert(a.end(), child.begin(), child.end());
  return a;
}

std::map<std::string, std::string> PodSpec::environment() const {
  std::map<std::string, std::string> e{
      {"ochopod_cluster", cluster},
      {"ochopod_namespace", ns},
      {"ochopod_port", std::to_string(ochopod_port)},
      {"ochopod_local", "true"},
      {"ochopod_debug", "true"},
      {"ochopod_session_timeout", session_timeout},
      {"PORT_" + std::to_string(ochopod_port), std::to_string(control_port)},
  };
  if (!zk.empty()) e["ochopod_zk"] = zk;
  for (const auto& [k, v] : env) e[k] = v;
  return e;
}

}  // namespace ochopod::test
