// Hints: the pod's registration plus its live state, as docs/protocol.md 6 calls
// them; the single board /info reads and the child's `ochopod` variable shows.
//
// Each field has exactly one writer (the coordinator writes state, the
// lifecycle writes process and metrics, the model writes status and
// dependencies); readers on any thread get a consistent copy.
#pragma once

#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

namespace ochopod {

class Hints {
 public:
  explicit Hints(nlohmann::json registration = nlohmann::json::object());

  void set_registration(nlohmann::json registration);
  void set_state(std::string state);      // follower, leader, leader (configuring)...
  void set_process(std::string process);  // stopped, running, terminating, dead
  void set_status(std::string status);
  void set_metrics(nlohmann::json metrics);
  void set_dependencies(nlohmann::json dependencies);
  // What GET /readyz answers (docs/protocol.md 7, "Probes"): each owner sets
  // its part. Registered: the coordinator (true at once without ZooKeeper);
  // serving: the lifecycle, while its child runs and passed its readiness;
  // leaving: the pod's stop or a withdrawal.
  void set_registered(bool registered);
  void set_serving(bool serving);
  void set_leaving(bool leaving);
  bool ready() const;

  std::string state() const;
  std::string process() const;
  nlohmann::json registration() const;
  nlohmann::json metrics() const;

  // /info: exactly the keys of docs/protocol.md 5.
  nlohmann::json info() const;
  // Registration + live state: what the child gets as $ochopod.
  nlohmann::json hints() const;

 private:
  mutable std::mutex mu_;
  nlohmann::json registration_;
  std::string state_ = "follower";
  std::string process_ = "stopped";
  std::string status_;
  nlohmann::json metrics_ = nlohmann::json::object();
  nlohmann::json dependencies_ = nlohmann::json::array();
  bool registered_ = false;
  bool serving_ = false;
  bool leaving_ = false;
};

}  // namespace ochopod
