#include "ops_http.h"

#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <thread>

namespace ochopod::cli {

namespace {

std::string describe(httplib::Error error) {
  switch (error) {
    case httplib::Error::Connection:
      return "connection refused";
    case httplib::Error::ConnectionTimeout:
      return "connection timed out";
    case httplib::Error::Read:
      return "timed out or connection closed";
    case httplib::Error::Write:
      return "could not send the request";
    default:
      return httplib::to_string(error);
  }
}

}  // namespace

nlohmann::json HttpAnswer::json() const { return nlohmann::json::parse(body, nullptr, false); }

HttpAnswer http_post(const std::string& host, int port, const HttpRequest& request) {
  HttpAnswer answer;
  try {
    httplib::Client client(host, port);
    const auto t = request.timeout;
    client.set_connection_timeout(std::chrono::duration_cast<std::chrono::microseconds>(t));
    client.set_read_timeout(std::chrono::duration_cast<std::chrono::microseconds>(t));
    client.set_write_timeout(std::chrono::duration_cast<std::chrono::microseconds>(t));
    client.set_keep_alive(false);
    httplib::Headers headers;
    for (const auto& [name, value] : request.headers) headers.emplace(name, value);
    auto send = [&]() -> httplib::Result {
      if (!request.files.empty()) {
        httplib::MultipartFormDataItems items;
        for (const auto& [field, content] : request.files) {
          items.push_back({field, content, field, "application/octet-stream"});
        }
        return client.Post(request.path, headers, items);
      }
      if (!request.body.empty()) {
        return client.Post(request.path, headers, request.body, "application/json");
      }
      return client.Post(request.path, headers, "", 0, "");
    };
    const httplib::Result result = send();
    if (!result) {
      answer.error = describe(result.error());
      return answer;
    }
    answer.status = result->status;
    answer.body = result->body;
  } catch (const std::exception& e) {
    answer.status = 0;
    answer.error = e.what();
  }
  return answer;
}

void parallel_for(size_t n, size_t max_threads, const std::function<void(size_t)>& work) {
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i = next++; i < n; i = next++) work(i);
  };
  const size_t count = std::min(n, std::max<size_t>(max_threads, 1));
  std::vector<std::thread> threads;
  threads.reserve(count);
  for (size_t k = 0; k < count; ++k) threads.emplace_back(worker);
  for (auto& t : threads) t.join();
}

}  // namespace ochopod::cli
