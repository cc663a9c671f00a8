// A phase of a round (docs/protocol.md 4, "The round"): the body it carries,
// serialized once, and how it reaches one pod: whole, as the id of a body
// the pod said it kept, or, for check, as what changed since the last
// round's body (docs/protocol.md 7, "A body sent once"). A 412 to an id, or
// a 412 or 400 to a diff, brings the body whole. Every request carries the
// leadership's fence (docs/protocol.md 7, "A fenced leader").
//
// run_round (round.cpp) makes the bodies and the sender on the leader's
// worker thread; the sender's calls run on the round's threads, at once for
// different pods and one at a time for one pod.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "models/reactive/round_cancel.h"
#include "models/reactive/transport.h"
#include "runtime/http/client.h"

namespace ochopod {

// The <grace> of the control URLs: whole seconds (Python pods parse it with
// int()), at least 1, rounded up so a pod never gets less than the model's.
int control_url_seconds(std::chrono::duration<double> grace);
// How long the leader waits for an answer: the URL's seconds x 1.25, so it
// never gives up before the pod does.
std::chrono::duration<double> control_client_timeout(std::chrono::duration<double> grace);

// The payload of one phase, serialized once; only the receiver's key differs
// per pod, and it is sent between the shared head and tail rather than
// copied into a body of its own (bench/README.md has the sizes). Keys in the
// order nlohmann::json would sort them.
//
// Its id names these bytes to the pods that keep them (body_ref.h): random,
// so no two bodies, of this leader or another, share one.
class PhaseBody {
 public:
  PhaseBody(const nlohmann::json& pods, const nlohmann::json& dependencies);
  // key_json: the receiver's key as JSON text, kept alive by the caller.
  std::vector<std::string_view> parts(const std::string& key_json) const {
    return {head_, key_json, tail_};
  }
  const std::string& id() const { return id_; }

 private:
  std::string head_;
  std::string tail_;
  std::string id_;
};

// One pod through the round's phases.
struct Target {
  std::string key;   // its uuid
  std::string url;   // its control URL
  std::string held;  // the id of the body it said it kept, if any
};

// A check as what changed since the body of the last round (body_diff.h),
// for the pods that said they kept it.
struct CheckDiff {
  std::string head;                                // the diff, before the receiver's key
  std::string base;                                // the id of the body it applies to
  const std::set<std::string>* holders = nullptr;  // the pods that kept it
};

class PhaseSender {
 public:
  // cancel: handed to every request (may be null). fence: sent with every
  // request as X-Ochopod-Fence (runtime/control/fence.h) unless 0.
  PhaseSender(PodTransport& transport, std::chrono::duration<double> grace, RoundCancel* cancel,
              HttpTrust trust, uint64_t fence = 0);

  // The task with its body to one pod: the HTTP status, 0 when the pod was
  // not reached or the request was cut short.
  int send(Target& target, const std::string& task, const PhaseBody& body);
  // check, as the diff to a pod that kept its base, else as send() does.
  int check(Target& target, const PhaseBody& body, const CheckDiff* diff);
  // How many checks a pod took as a diff.
  size_t checks_as_diff() const { return diffs_.load(); }

 private:
  HttpRequest request(const std::string& task, std::vector<std::string_view> body_parts) const;

  PodTransport& transport_;
  const std::chrono::duration<double> timeout_;
  const std::string seconds_;  // the URLs' "/<grace>"
  RoundCancel* const cancel_;
  const HttpTrust trust_;
  const std::string fence_;  // decimal, "" for none
  std::atomic<size_t> diffs_{0};
};

}  // namespace ochopod
