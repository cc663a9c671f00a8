// A configuration round (docs/protocol.md 4, steps 1-5): the leader's HTTP
// fan-out of check, (off,) on and ok to every pod of its cluster.
//
// Run by the reactive leader on its worker thread, never on the coordinator
// loop: it blocks for up to grace * 1.25 per request, unless the round is
// cancelled (RoundCancel), which cuts every request in flight short and sends
// no further one. It only reads its plan; the caller writes the snapshot and
// hash from the result.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "runtime/http/client.h"

namespace ochopod {

// Cancels a round from another thread. cancel() never blocks: it flags the
// round and wakes the round's own thread, which stops the live HTTP clients
// (stopping one may wait for its connect to finish, which must not hold up
// the coordinator loop) until every request of the round has returned.
class RoundCancel : public HttpCancelHook {
 public:
  void cancel();  // any thread, any number of times
  bool cancelled() const;

  // For the round's threads. admit() registers a request's stopper, unless
  // the round is cancelled (then the request must not be sent); the stopper
  // stays callable until leave(id) returns.
  bool admit(std::function<void()> stop, uint64_t* id) override;
  void leave(uint64_t id) override;
  // Wait, on the round's thread, until done() holds (checked at every
  // notify()); once cancelled, the stoppers are called again every 20 ms
  // (a request admitted just before cancel() may not have had a socket yet).
  void supervise(const std::function<bool()>& done);
  void notify();  // a worker finished: wake supervise()

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool cancelled_ = false;
  uint64_t next_id_ = 0;
  std::map<uint64_t, std::function<void()>> stoppers_;
};

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
  std::shared_ptr<RoundBase> base;      // null: every check goes whole
};

struct RoundResult {
  bool ok = false;
  bool cancelled = false;                                // cut short by RoundCancel
  std::string error;                                     // why it failed
  nlohmann::json configured = nlohmann::json::object();  // pods actually configured
  size_t checks_as_diff = 0;  // checks a pod took as a diff of the body it kept
};

RoundResult run_round(const RoundPlan& plan);

// The <grace> of the control URLs: whole seconds (Python pods parse it with
// int()), at least 1, rounded up so a pod never gets less than the model's.
int control_url_seconds(std::chrono::duration<double> grace);
// How long the leader waits for an answer: the URL's seconds x 1.25, so it
// never gives up before the pod does.
std::chrono::duration<double> control_client_timeout(std::chrono::duration<double> grace);

// One control POST: the HTTP status, or 0 if the pod could not be reached or
// the request was cancelled (cancel may be null). The body is body_parts
// back to back (see HttpRequest::body_parts).
int post_control(const std::string& url, const std::string& path,
                 std::vector<std::string_view> body_parts, std::chrono::duration<double> timeout,
                 RoundCancel* cancel = nullptr, const HttpTrust& trust = {});
int post_control(const std::string& url, const std::string& path, const std::string& body,
                 std::chrono::duration<double> timeout, RoundCancel* cancel = nullptr,
                 const HttpTrust& trust = {});

}  // namespace ochopod
