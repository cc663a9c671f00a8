// PodTransport: how a round's requests reach the pods; the seam between the
// round (round.cpp, phase.cpp) and the network.
//
// A round sends through the transport its plan names, or through an
// HttpPodTransport of its own, made for that round on the leader's worker
// thread and gone with it. send() is called from the round's threads, at
// once for different pods and one request at a time for one pod. Unit tests
// script the pods' answers instead (tests/harness/fake_transport.h).
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "runtime/http/client.h"

namespace ochopod {

class PodTransport {
 public:
  virtual ~PodTransport() = default;
  // One request to the pod whose control URL is `url`: its answer, status 0
  // when it could not be reached or request.cancel cut it short.
  virtual HttpAnswer send(const std::string& url, const HttpRequest& request) = 0;
};

// The network: each pod gets the round's requests over one kept connection
// (HTTP keep-alive: a third of the connects and accepts), closed when the
// transport goes. At most half the open-files limit are kept, so a leader of
// many pods never runs out of descriptors; the pods past it get a
// connection per request.
class HttpPodTransport final : public PodTransport {
 public:
  // urls: the round's pods, in the order their connections are made.
  explicit HttpPodTransport(const std::vector<std::string>& urls);
  HttpAnswer send(const std::string& url, const HttpRequest& request) override;

 private:
  std::mutex mu_;
  // Per URL, the connections no request uses now (two pods may share a URL
  // while the registration of one that restarted lingers).
  std::map<std::string, std::vector<std::unique_ptr<HttpConnection>>> idle_;
};

}  // namespace ochopod
