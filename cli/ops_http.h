// HTTP for the operator subcommands: one bounded POST to a pod's control port
// (docs/protocol.md 5), and a bounded thread pool to call many pods at once. The
// per-pod actions (ops_actions.cpp) build HttpRequests; ops_commands.cpp runs
// them over the selected pods with parallel_for(). ops_http.cpp is the only
// operator file that includes cpp-httplib.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace ochopod::cli {

struct HttpRequest {
  std::string path;  // "/info", "/control/on/5"...
  std::string body;  // JSON; empty sends no body
  std::vector<std::pair<std::string, std::string>> headers;
  std::vector<std::pair<std::string, std::string>> files;  // multipart: field name -> content
  std::chrono::milliseconds timeout{5000};                 // connect, read and write, each
};

struct HttpAnswer {
  int status = 0;  // 0: no HTTP answer at all
  std::string body;
  std::string error;  // when status is 0: why ("timed out", "connection refused"...)
  // The body as JSON; discarded (is_discarded()) if it is not JSON.
  nlohmann::json json() const;
};

// POSTs to http://host:port<path>. Never throws, never waits past the timeouts.
HttpAnswer http_post(const std::string& host, int port, const HttpRequest& request);

// Runs work(i) for every i in [0, n) on at most max_threads threads at once;
// returns when all are done. work must not throw.
void parallel_for(size_t n, size_t max_threads, const std::function<void(size_t)>& work);

}  // namespace ochopod::cli
