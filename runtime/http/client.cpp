#include "runtime/http/client.h"

#include <string>

#include "runtime/base/module.h"
#include "runtime/base/text.h"
#include "runtime/http/backend.h"

namespace ochopod {

namespace {

// The module, loaded once by the first request (runtime/base/module.h).
const detail::HttpBackend* backend(std::string* error = nullptr) {
  return load_backend_once<detail::HttpBackend>(detail::kHttpModuleFile, detail::kHttpModuleEntry,
                                                detail::http_backend_abi(), "http: no client",
                                                error);
}

HttpAnswer unavailable() {
  HttpAnswer answer;
  std::string why;
  backend(&why);
  answer.error = "no HTTP client: " + why;
  return answer;
}

}  // namespace

nlohmann::json HttpAnswer::json() const { return nlohmann::json::parse(body, nullptr, false); }

std::string HttpAnswer::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (iequals(key, name)) return value;
  }
  return {};
}

HttpAnswer http_send(const std::string& host, int port, const HttpRequest& request) {
  const auto* client = backend();
  return client ? client->send(host, port, request) : unavailable();
}

HttpAnswer http_send(const std::string& base_url, const HttpRequest& request) {
  const auto* client = backend();
  return client ? client->send(base_url, request) : unavailable();
}

struct HttpConnection::Impl {
  std::unique_ptr<detail::HttpBackend::Connection> connection;
};

HttpConnection::HttpConnection(std::string base_url) : impl_(std::make_unique<Impl>()) {
  if (const auto* client = backend()) impl_->connection = client->connect(base_url);
}
HttpConnection::~HttpConnection() = default;
HttpConnection::HttpConnection(HttpConnection&&) noexcept = default;
HttpConnection& HttpConnection::operator=(HttpConnection&&) noexcept = default;

HttpAnswer HttpConnection::send(const HttpRequest& request) {
  return impl_->connection ? impl_->connection->send(request) : unavailable();
}

}  // namespace ochopod
