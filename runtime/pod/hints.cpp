#include "runtime/pod/hints.h"

namespace ochopod {

using nlohmann::json;

Hints::Hints(json registration) : registration_(std::move(registration)) {}

void Hints::set_registration(json registration) {
  std::lock_guard<std::mutex> lock(mu_);
  registration_ = std::move(registration);
}
void Hints::set_state(std::string state) {
  std::lock_guard<std::mutex> lock(mu_);
  state_ = std::move(state);
}
void Hints::set_process(std::string process) {
  std::lock_guard<std::mutex> lock(mu_);
  process_ = std::move(process);
}
void Hints::set_status(std::string status) {
  std::lock_guard<std::mutex> lock(mu_);
  status_ = std::move(status);
}
void Hints::set_metrics(json metrics) {
  std::lock_guard<std::mutex> lock(mu_);
  metrics_ = std::move(metrics);
}
void Hints::set_dependencies(json dependencies) {
  std::lock_guard<std::mutex> lock(mu_);
  dependencies_ = std::move(dependencies);
}

void Hints::set_registered(bool registered) {
  std::lock_guard<std::mutex> lock(mu_);
  registered_ = registered;
}
void Hints::set_serving(bool serving) {
  std::lock_guard<std::mutex> lock(mu_);
  serving_ = serving;
}
void Hints::set_leaving(bool leaving) {
  std::lock_guard<std::mutex> lock(mu_);
  leaving_ = leaving;
}
bool Hints::ready() const {
  std::lock_guard<std::mutex> lock(mu_);
  return registered_ && serving_ && !leaving_;
}

std::string Hints::state() const {
  std::lock_guard<std::mutex> lock(mu_);
  return state_;
}
std::string Hints::process() const {
  std::lock_guard<std::mutex> lock(mu_);
  return process_;
}
json Hints::metrics() const {
  std::lock_guard<std::mutex> lock(mu_);
  return metrics_;
}
json Hints::registration() const {
  std::lock_guard<std::mutex> lock(mu_);
  return registration_;
}

json Hints::info() const {
  std::lock_guard<std::mutex> lock(mu_);
  auto field = [&](const char* key) {
    auto it = registration_.find(key);
    return it == registration_.end() ? json("") : *it;
  };
  return json{{"application", field("application")},
              {"dependencies", dependencies_},
              {"ip", field("ip")},
              {"metrics", metrics_},
              {"node", field("node")},
              {"port", field("port")},
              {"ports", registration_.value("ports", json::object())},
              {"process", process_},
              {"public", field("public")},
              {"state", state_},
              {"status", status_},
              {"task", field("task")}};
}

json Hints::hints() const {
  std::lock_guard<std::mutex> lock(mu_);
  json out = registration_;
  out["state"] = state_;
  out["process"] = process_;
  out["status"] = status_;
  out["metrics"] = metrics_;
  out["dependencies"] = dependencies_;
  return out;
}

}  // namespace ochopod
