#include "runtime/pod/hints.h"

#include <spdlog/spdlog.h>

namespace ochopod {

using nlohmann::json;

namespace {

constexpr std::array<std::pair<PodState, std::string_view>, 5> kPodStateWords = {{
    {PodState::kFollower, "follower"},
    {PodState::kLeader, "leader"},
    {PodState::kConfigurationPending, "leader (configuration pending)"},
    {PodState::kConfiguring, "leader (configuring)"},
    {PodState::kSuspended, "suspended"},
}};
constexpr std::array<std::pair<ProcessState, std::string_view>, 4> kProcessWords = {{
    {ProcessState::kStopped, "stopped"},
    {ProcessState::kRunning, "running"},
    {ProcessState::kTerminating, "terminating"},
    {ProcessState::kDead, "dead"},
}};

template <typename State, size_t N>
std::string_view word_of(const std::array<std::pair<State, std::string_view>, N>& words,
                         State state) {
  for (const auto& [s, word] : words)
    if (s == state) return word;
  return "unknown";
}

template <typename State, size_t N>
std::optional<State> state_of(const std::array<std::pair<State, std::string_view>, N>& words,
                              std::string_view text) {
  for (const auto& [state, word] : words)
    if (word == text) return state;
  return std::nullopt;
}

// One field under the lock: every setter and getter of the board is one.
template <typename T>
void store(std::mutex& mu, T& field, T value) {
  std::lock_guard<std::mutex> lock(mu);
  field = std::move(value);
}
template <typename T>
T load(std::mutex& mu, const T& field) {
  std::lock_guard<std::mutex> lock(mu);
  return field;
}

}  // namespace

std::string_view to_string(PodState state) { return word_of(kPodStateWords, state); }
std::string_view to_string(ProcessState process) { return word_of(kProcessWords, process); }
std::optional<PodState> parse_pod_state(std::string_view text) {
  return state_of(kPodStateWords, text);
}
std::optional<ProcessState> parse_process_state(std::string_view text) {
  return state_of(kProcessWords, text);
}

Hints::Hints(json registration, json dependencies)
    : registration_(std::move(registration)), dependencies_(std::move(dependencies)) {}

void Hints::set_registration(json registration) {
  store(mu_, registration_, std::move(registration));
}
void Hints::set_state(PodState state) { store(mu_, state_, state); }
void Hints::set_process(ProcessState process) { store(mu_, process_, process); }
void Hints::set_status(std::string status) { store(mu_, status_, std::move(status)); }
void Hints::set_metrics(json metrics) { store(mu_, metrics_, std::move(metrics)); }
void Hints::set_dependencies(json dependencies) {
  store(mu_, dependencies_, std::move(dependencies));
}

void Hints::set_jobs(json jobs) { store(mu_, jobs_, std::move(jobs)); }
void Hints::set_periodic(json periodic) { store(mu_, periodic_, std::move(periodic)); }

void Hints::set_registered(bool registered) { store(mu_, registered_, registered); }
void Hints::set_serving(bool serving) { store(mu_, serving_, serving); }
void Hints::set_leaving(bool leaving) { store(mu_, leaving_, leaving); }
bool Hints::ready() const {
  std::lock_guard<std::mutex> lock(mu_);
  return registered_ && serving_ && !leaving_;
}

PodState Hints::pod_state() const { return load(mu_, state_); }
ProcessState Hints::process_state() const { return load(mu_, process_); }
std::string Hints::state() const { return std::string(to_string(pod_state())); }
std::string Hints::process() const { return std::string(to_string(process_state())); }
json Hints::metrics() const { return load(mu_, metrics_); }
json Hints::registration() const { return load(mu_, registration_); }
json Hints::jobs() const { return load(mu_, jobs_); }
json Hints::periodic() const { return load(mu_, periodic_); }

json Hints::info() const {
  std::lock_guard<std::mutex> lock(mu_);
  auto field = [&](const char* key) {
    auto it = registration_.find(key);
    return it == registration_.end() ? json("") : *it;
  };
  json info{{"application", field("application")},
            {"dependencies", dependencies_},
            {"ip", field("ip")},
            {"metrics", metrics_},
            {"node", field("node")},
            {"port", field("port")},
            {"ports", registration_.value("ports", json::object())},
            {"process", to_string(process_)},
            {"public", field("public")},
            {"state", to_string(state_)},
            {"status", status_},
            {"task", field("task")}};
  // Only with jobs: a pod without keeps the Python pods' /info.
  if (jobs_.is_object() && !jobs_.empty()) info["jobs"] = jobs_;
  if (periodic_.is_object() && !periodic_.empty()) info["periodic"] = periodic_;
  return info;
}

json Hints::hints() const {
  std::lock_guard<std::mutex> lock(mu_);
  json out = registration_;
  out["state"] = to_string(state_);
  out["process"] = to_string(process_);
  out["status"] = status_;
  out["metrics"] = metrics_;
  out["dependencies"] = dependencies_;
  return out;
}

}  // namespace ochopod
