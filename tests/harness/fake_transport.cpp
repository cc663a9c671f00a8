#include "harness/fake_transport.h"

#include "runtime/control/body/body_ref.h"
#include "runtime/control/fence.h"

namespace ochopod::test {

namespace {

std::string header_of(const HttpRequest& request, const std::string& name) {
  for (const auto& [key, value] : request.headers) {
    if (key == name) return value;
  }
  return "";
}

// "/control/check/60" -> "check".
std::string task_of(const std::string& path) {
  const std::string prefix = "/control/";
  if (path.rfind(prefix, 0) != 0) return path;
  const std::string rest = path.substr(prefix.size());
  return rest.substr(0, rest.find('/'));
}

}  // namespace

void FakeTransport::script(const std::string& url, Script script) {
  std::lock_guard<std::mutex> lock(mu_);
  pods_[url].script = std::move(script);
}

void FakeTransport::gather(size_t n, std::chrono::milliseconds limit) {
  std::lock_guard<std::mutex> lock(mu_);
  gather_ = n;
  gather_limit_ = limit;
}

int FakeTransport::answer(Pod& pod, const Sent& sent, std::string* kept) const {
  const auto scripted = pod.script.status.find(sent.task);
  if (scripted != pod.script.status.end()) return scripted->second;
  if (!pod.script.keeps_bodies) return 200;
  if (!sent.base.empty()) {
    if (pod.script.refuses_diffs) return 400;
    if (pod.script.forgets || sent.base != pod.held) return body_ref::kNotHeld;
  } else if (!sent.ref.empty()) {
    if (pod.script.forgets || sent.ref != pod.held) return body_ref::kNotHeld;
    *kept = sent.ref;
    return 200;
  }
  if (!sent.id.empty() && !pod.script.forgets) *kept = sent.id;
  return 200;
}

HttpAnswer FakeTransport::send(const std::string& url, const HttpRequest& request) {
  HttpAnswer out;
  uint64_t admitted = 0;
  if (request.cancel != nullptr && !request.cancel->admit([] {}, &admitted)) {
    out.cancelled = true;
    out.error = "cancelled";
    return out;
  }
  Sent sent{url,
            task_of(request.path),
            request.path,
            request.body,
            header_of(request, body_ref::kId),
            header_of(request, body_ref::kRef),
            header_of(request, body_ref::kBase),
            header_of(request, kFenceHeader),
            0};
  for (const auto part : request.body_parts) sent.body.append(part);
  {
    std::unique_lock<std::mutex> lock(mu_);
    ++in_flight_;
    if (in_flight_ > max_in_flight_) max_in_flight_ = in_flight_;
    if (gather_ != 0) {
      if (in_flight_ >= gather_) {
        gather_ = 0;
        cv_.notify_all();
      } else {
        cv_.wait_for(lock, gather_limit_, [this] { return gather_ == 0; });
        gather_ = 0;  // met, or given up on: nobody waits any more
      }
    }
  }
  if (on_request) on_request(sent);
  std::string kept;
  {
    std::lock_guard<std::mutex> lock(mu_);
    Pod& pod = pods_[url];
    sent.status = answer(pod, sent, &kept);
    if (!kept.empty()) pod.held = kept;
    --in_flight_;
    sent_.push_back(sent);
  }
  if (request.cancel != nullptr) request.cancel->leave(admitted);
  out.status = sent.status;
  if (out.status == 0) out.error = "connection refused";
  if (!kept.empty()) out.headers.emplace_back(body_ref::kKept, kept);
  return out;
}

std::vector<FakeTransport::Sent> FakeTransport::sent() const {
  std::lock_guard<std::mutex> lock(mu_);
  return sent_;
}

std::vector<FakeTransport::Sent> FakeTransport::sent_to(const std::string& url) const {
  std::vector<Sent> out;
  for (auto& s : sent()) {
    if (s.url == url) out.push_back(std::move(s));
  }
  return out;
}

std::vector<std::string> FakeTransport::tasks_to(const std::string& url) const {
  std::vector<std::string> out;
  for (const auto& s : sent_to(url)) out.push_back(s.task);
  return out;
}

size_t FakeTransport::max_in_flight() const {
  std::lock_guard<std::mutex> lock(mu_);
  return max_in_flight_;
}

}  // namespace ochopod::test
