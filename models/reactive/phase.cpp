#include "models/reactive/phase.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>

#include "runtime/base/ids.h"
#include "runtime/base/text.h"
#include "runtime/control/body/body_ref.h"
#include "runtime/control/fence.h"

namespace ochopod {

using nlohmann::json;
using Seconds = std::chrono::duration<double>;

namespace {

// Whether the pod's answer says it kept the body of that id.
bool says_kept(const HttpAnswer& answer, const std::string& id) {
  return answer.status == 200 && answer.header(body_ref::kKept) == id;
}

}  // namespace

int control_url_seconds(Seconds grace) {
  const double up = std::ceil(grace.count());
  return up < 1 ? 1 : up > 1e6 ? 1000000 : static_cast<int>(up);
}

Seconds control_client_timeout(Seconds grace) { return Seconds(control_url_seconds(grace) * 1.25); }

PhaseBody::PhaseBody(const json& pods, const json& dependencies)
    : head_("{\"dependencies\":" + to_json(dependencies) + ",\"key\":"),
      tail_(",\"pods\":" + to_json(pods) + "}"),
      id_(random_hex(16)) {}

PhaseSender::PhaseSender(PodTransport& transport, Seconds grace, RoundCancel* cancel,
                         HttpTrust trust, uint64_t fence)
    : transport_(transport),
      timeout_(control_client_timeout(grace)),
      seconds_("/" + std::to_string(control_url_seconds(grace))),
      cancel_(cancel),
      trust_(std::move(trust)),
      fence_(fence != 0 ? std::to_string(fence) : "") {}

HttpRequest PhaseSender::request(const std::string& task,
                                 std::vector<std::string_view> body_parts) const {
  HttpRequest request;
  request.trust = trust_;
  request.path = "/control/" + task + seconds_;
  request.body_parts = std::move(body_parts);
  request.timeout = timeout_;
  // A client cannot be stopped while it connects, so the connect bounds how
  // long cancelling a round (and shutting down) may take: 2 s, plenty for
  // a pod's control port, and one SYN retransmission.
  request.connect_timeout = std::min(timeout_, Seconds(2));
  request.cancel = cancel_;
  if (!fence_.empty()) request.headers.emplace_back(kFenceHeader, fence_);
  return request;
}

// A pod that kept this body gets its id alone; one that lost it (412), or
// never kept one (a Python pod), the whole body with its id.
int PhaseSender::send(Target& target, const std::string& task, const PhaseBody& body) {
  if (target.held == body.id()) {
    auto by_ref = request(task, {});
    by_ref.headers.emplace_back(body_ref::kRef, body.id());
    const HttpAnswer answer = transport_.send(target.url, by_ref);
    if (answer.status != body_ref::kNotHeld) {
      // An ok answered without the id: that pod will not hold it next round.
      if (answer.status == 200 && !says_kept(answer, body.id())) target.held.clear();
      return answer.status;
    }
    spdlog::debug("round: pod {} no longer holds the body, sending it whole", target.key);
  }
  const std::string key = to_json(target.key);
  auto whole = request(task, body.parts(key));
  whole.headers.emplace_back(body_ref::kId, body.id());
  const HttpAnswer answer = transport_.send(target.url, whole);
  target.held = says_kept(answer, body.id()) ? body.id() : "";
  return answer.status;
}

int PhaseSender::check(Target& target, const PhaseBody& body, const CheckDiff* diff) {
  if (diff != nullptr && diff->holders->count(target.key) != 0) {
    const std::string key = to_json(target.key);
    auto as_diff = request("check", {diff->head, key, "}"});
    as_diff.headers.emplace_back(body_ref::kId, body.id());
    as_diff.headers.emplace_back(body_ref::kBase, diff->base);
    const HttpAnswer answer = transport_.send(target.url, as_diff);
    if (answer.status != body_ref::kNotHeld && answer.status != 400) {
      target.held = says_kept(answer, body.id()) ? body.id() : "";
      if (answer.status == 200) ++diffs_;
      return answer.status;
    }
    if (answer.status == 400) {
      spdlog::warn("round: pod {} refused the check as a diff, sending it whole", target.key);
    }
  }
  return send(target, "check", body);
}

}  // namespace ochopod
