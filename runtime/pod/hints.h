// Hints: the pod's registration plus its live state, as docs/protocol.md 6 calls
// them; the single board /info reads and the child's `ochopod` variable shows.
//
// Each field has exactly one writer (the coordinator writes state, the
// lifecycle writes process and metrics, the model writes status and
// dependencies, Sidecars and PeriodicJobs (models/piped/) write jobs and
// periodic on the lifecycle thread); readers on any thread get a consistent
// copy.
#pragma once

#include <array>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace ochopod {

// The pod's `state` (docs/protocol.md 6): what it is to its cluster.
enum class PodState { kFollower, kLeader, kConfigurationPending, kConfiguring, kSuspended };
// The pod's `process`: where its child is.
enum class ProcessState { kStopped, kRunning, kTerminating, kDead };

inline constexpr std::array<ProcessState, 4> kProcessStates = {
    ProcessState::kStopped, ProcessState::kRunning, ProcessState::kTerminating,
    ProcessState::kDead};

// The words /info and $ochopod show: "leader (configuring)", "running"...
std::string_view to_string(PodState state);
std::string_view to_string(ProcessState process);
// The state a word names; nullopt for any other word.
std::optional<PodState> parse_pod_state(std::string_view text);
std::optional<ProcessState> parse_process_state(std::string_view text);

class Hints {
 public:
  explicit Hints(nlohmann::json registration = nlohmann::json::object(),
                 nlohmann::json dependencies = nlohmann::json::array());

  void set_registration(nlohmann::json registration);
  void set_state(PodState state);
  void set_process(ProcessState process);
  void set_status(std::string status);
  void set_metrics(nlohmann::json metrics);
  void set_dependencies(nlohmann::json dependencies);
  // The pod's jobs (Piped::jobs) and periodic jobs (Piped::periodic), each a
  // JSON object by job name. /info shows each under its key ("jobs",
  // "periodic") only while it is a non-empty object: a pod without jobs
  // keeps the /info of docs/protocol.md 5 exactly.
  void set_jobs(nlohmann::json jobs);
  void set_periodic(nlohmann::json periodic);
  // What GET /readyz answers (docs/protocol.md 7, "Probes"): each owner sets
  // its part. Registered: the coordinator (true at once without ZooKeeper);
  // serving: the lifecycle, while its child runs and passed its readiness;
  // leaving: the pod's stop or a withdrawal.
  void set_registered(bool registered);
  void set_serving(bool serving);
  void set_leaving(bool leaving);
  bool ready() const;

  PodState pod_state() const;
  ProcessState process_state() const;
  std::string state() const;    // as to_string() words it
  std::string process() const;  // likewise
  nlohmann::json registration() const;
  nlohmann::json metrics() const;
  nlohmann::json jobs() const;
  nlohmann::json periodic() const;

  // /info: exactly the keys of docs/protocol.md 5, plus "jobs" and
  // "periodic" when there are some (set_jobs()).
  nlohmann::json info() const;
  // Registration + live state: what the child gets as $ochopod.
  nlohmann::json hints() const;

 private:
  mutable std::mutex mu_;
  nlohmann::json registration_;
  PodState state_ = PodState::kFollower;
  ProcessState process_ = ProcessState::kStopped;
  std::string status_;
  nlohmann::json metrics_ = nlohmann::json::object();
  nlohmann::json dependencies_ = nlohmann::json::array();
  nlohmann::json jobs_ = nlohmann::json::object();
  nlohmann::json periodic_ = nlohmann::json::object();
  bool registered_ = false;
  bool serving_ = false;
  bool leaving_ = false;
};

}  // namespace ochopod
