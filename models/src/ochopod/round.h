// A configuration round (PROTOCOL.md 4, steps 1-5): the leader's HTTP
// fan-out of check, (off,) on and ok to every pod of its cluster.
//
// Run by the reactive leader on its worker thread, never on the coordinator
// loop: it blocks for up to grace * 1.25 per request. It only reads its plan;
// the caller writes the snapshot and hash from the result.
#pragma once

#include <atomic>
#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

namespace ochopod {

struct RoundPlan {
  nlohmann::json pods = nlohmann::json::object();          // uuid -> registration
  nlohmann::json dependencies = nlohmann::json::object();  // dep -> {uuid -> registration}
  std::chrono::duration<double> grace{60.0};
  bool full_shutdown = false;
  bool sequential = false;
  size_t max_parallel = 32;
  const std::atomic<bool>* abort = nullptr;  // set when leadership is lost
};

struct RoundResult {
  bool ok = false;
  std::string error;                                     // why it failed
  nlohmann::json configured = nlohmann::json::object();  // pods actually configured
};

RoundResult run_round(const RoundPlan& plan);

// One control POST: the HTTP status, or 0 if the pod could not be reached.
int post_control(const std::string& url, const std::string& path, const std::string& body,
                 std::chrono::duration<double> timeout);

}  // namespace ochopod
