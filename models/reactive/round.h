// A configuration round (docs/protocol.md 4, steps 1-5): the leader's HTTP
// fan-out of check, (off,) on and ok to every pod of its cluster.
//
// Run by the reactive leader on its worker thread, never on the coordinator
// loop: it blocks for up to grace * 1.25 per request, unless the round is
// cancelled (RoundCancel), which cuts every request in flight short and sends
// no further one. It only reads its plan; the caller writes the snapshot and
// hash from the result. How each phase reaches a pod is phase.h's; the
// network is the plan's transport (transport.h).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "models/reactive/round_cancel.h"
#include "models/reactive/transport.h"
#include "runtime/http/client.h"

namespace ochopod {

// The body of the last round that configured the cluster, and the pods that
// said they kept it (body_ref.h): the next round's check goes to those as
// what changed since (body_diff.h) rather than whole. Owned by the leader's
// worker thread: run_round reads it and, once a round is through, replaces
// it; one round runs at a time.
struct RoundBase {
  std::string id;  // empty: no round through yet
  nlohmann::json pods = nlohmann::json::object();
  nlohmann::json dependencies = nlohmann::json::object();
  std::set<std::string> holders;
};

struct RoundPlan {
  nlohmann::json pods = nlohmann::json::object();          // uuid -> registration
  nlohmann::json dependencies = nlohmann::json::object();  // dep -> {uuid -> registration}
  std::chrono::duration<double> grace{60.0};
  bool full_shutdown = false;
  bool sequential = false;
  size_t max_parallel = 32;
  std::shared_ptr<RoundCancel> cancel;  // cancelled when the leader may not lead
  HttpTrust trust;                      // the cluster's token and CA
  // The leadership's fence, sent with every request (X-Ochopod-Fence,
  // docs/protocol.md 7, "A fenced leader"); 0: none is sent.
  uint64_t fence = 0;
  std::shared_ptr<RoundBase> base;  // null: every check goes whole
  // null: the network, through an HttpPodTransport made for the round.
  std::shared_ptr<PodTransport> transport;
};

struct RoundResult {
  bool ok = false;
  bool cancelled = false;                                // cut short by RoundCancel
  std::string error;                                     // why it failed
  nlohmann::json configured = nlohmann::json::object();  // pods actually configured
  size_t checks_as_diff = 0;  // checks a pod took as a diff of the body it kept
};

RoundResult run_round(const RoundPlan& plan);

}  // namespace ochopod
