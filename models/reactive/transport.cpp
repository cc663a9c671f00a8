#include "models/reactive/transport.h"

#include <sys/resource.h>

#include <algorithm>
#include <limits>

namespace ochopod {

namespace {

size_t keep_alive_budget() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
  if (limit.rlim_cur == RLIM_INFINITY) return std::numeric_limits<size_t>::max();
  return static_cast<size_t>(limit.rlim_cur / 2);
}

}  // namespace

// The connections are made here, on the one thread that makes the transport
// (runtime/http/client.h, HttpConnection), not by the round's threads.
HttpPodTransport::HttpPodTransport(const std::vector<std::string>& urls) {
  const size_t kept = std::min(urls.size(), keep_alive_budget());
  for (size_t i = 0; i < kept; ++i) {
    idle_[urls[i]].push_back(std::make_unique<HttpConnection>(urls[i]));
  }
}

HttpAnswer HttpPodTransport::send(const std::string& url, const HttpRequest& request) {
  std::unique_ptr<HttpConnection> connection;
  {
    std::lock_guard<std::mutex> lock(mu_);
    const auto it = idle_.find(url);
    if (it != idle_.end() && !it->second.empty()) {
      connection = std::move(it->second.back());
      it->second.pop_back();
    }
  }
  if (!connection) return http_send(url, request);
  HttpAnswer answer = connection->send(request);
  std::lock_guard<std::mutex> lock(mu_);
  idle_[url].push_back(std::move(connection));
  return answer;
}

}  // namespace ochopod
