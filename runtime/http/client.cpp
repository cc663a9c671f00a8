#include "runtime/http/client.h"

#include <spdlog/spdlog.h>

#include <mutex>
#include <string>

#include "runtime/base/module.h"
#include "runtime/base/text.h"
#include "runtime/http/backend.h"

namespace ochopod {

namespace {

struct LoadedBackend {
  const detail::HttpBackend* backend = nullptr;
  std::string error;  // why there is none
};

// The module, loaded once by the first caller; every later one waits for
// that load and shares its outcome (a module that cannot be loaded now will
// not be later: the error is kept, and logged once).
const LoadedBackend& loaded() {
  static std::once_flag once;
  static LoadedBackend out;
  std::call_once(once, [] {
    out.backend = load_backend<detail::HttpBackend>(
        detail::kHttpModuleFile, detail::kHttpModuleEntry, detail::http_backend_abi(), &out.error);
    if (out.backend == nullptr) spdlog::error("http: no client: {}", out.error);
  });
  return out;
}

HttpAnswer unavailable() {
  HttpAnswer answer;
  answer.error = "no HTTP client: " + loaded().error;
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
  const auto* backend = loaded().backend;
  return backend ? backend->send(host, port, request) : unavailable();
}

HttpAnswer http_send(const std::string& base_url, const HttpRequest& request) {
  const auto* backend = loaded().backend;
  return backend ? backend->send(base_url, request) : unavailable();
}

struct HttpConnection::Impl {
  std::unique_ptr<detail::HttpBackend::Connection> connection;
};

HttpConnection::HttpConnection(std::string base_url) : impl_(std::make_unique<Impl>()) {
  if (const auto* backend = loaded().backend) impl_->connection = backend->connect(base_url);
}
HttpConnection::~HttpConnection() = default;
HttpConnection::HttpConnection(HttpConnection&&) noexcept = default;
HttpConnection& HttpConnection::operator=(HttpConnection&&) noexcept = default;

HttpAnswer HttpConnection::send(const HttpRequest& request) {
  return impl_->connection ? impl_->connection->send(request) : unavailable();
}

}  // namespace ochopod
