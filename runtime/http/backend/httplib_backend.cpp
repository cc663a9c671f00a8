// The HTTP client module, libochopod-http.so (runtime/http/backend.h): the
// pod's one HTTP client, cpp-httplib's, behind HttpBackend. Loaded by
// runtime/http/client.cpp on the first request; runs on the caller's thread.
#include <httplib.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <spdlog/spdlog.h>

#include <exception>
#include <optional>

#include "runtime/http/backend.h"

namespace ochopod::detail {

namespace {

// OpenSSL's verify callback leaves the reason of a refused certificate in
// the string the client's SSL_CTX points to (its app data), which run() sets
// to its own while it sends. Not a thread_local: in a module that is
// dynamic TLS, which GCC 12's LeakSanitizer misreads when the process exits
// (a bogus range, then "Tracer caught signal 11").
int remember_refusal(int ok, X509_STORE_CTX* store) {
  if (ok) return ok;
  const auto* ssl = static_cast<const SSL*>(
      X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
  auto* refusal =
      ssl ? static_cast<std::string*>(SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl))) : nullptr;
  if (refusal != nullptr && refusal->empty()) {
    *refusal = X509_verify_cert_error_string(X509_STORE_CTX_get_error(store));
  }
  return ok;
}

// httplib's own verification also matches the host name, which a pod's
// certificate cannot carry (pods move): it stays off, and OpenSSL checks the
// chain during the handshake instead.
bool trust_chain_only(httplib::Client& client, const HttpTrust& trust, std::string* error) {
  SSL_CTX* ctx = client.ssl_context();
  if (ctx == nullptr) return true;  // http://
  client.enable_server_certificate_verification(false);
  const int loaded = trust.ca_file.empty()
                         ? SSL_CTX_set_default_verify_paths(ctx)
                         : SSL_CTX_load_verify_locations(ctx, trust.ca_file.c_str(), nullptr);
  if (loaded != 1) {
    *error = "cannot load the CA certificates " +
             (trust.ca_file.empty() ? std::string("of the system") : "from " + trust.ca_file);
    return false;
  }
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, remember_refusal);
  return true;
}

std::string describe(httplib::Error error, const std::string& refusal) {
  if (error == httplib::Error::SSLConnection || error == httplib::Error::SSLServerVerification) {
    return refusal.empty() ? "TLS handshake failed" : "certificate verify failed: " + refusal;
  }
  switch (error) {
    case httplib::Error::Connection:
      return "connection refused";
    case httplib::Error::ConnectionTimeout:
      return "connection timed out";
    case httplib::Error::Read:
      return "timed out or connection closed";
    case httplib::Error::Write:
      return "could not send the request";
    case httplib::Error::Canceled:
      return "cancelled";
    default:
      return httplib::to_string(error);
  }
}

// cpp-httplib takes (seconds, microseconds); its connect timeout defaults to
// 300 s, so every phase gets ours.
template <typename Set>
void bound(std::chrono::duration<double> timeout, Set set) {
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(timeout).count();
  set(static_cast<time_t>(micros / 1000000), static_cast<time_t>(micros % 1000000));
}

httplib::Result send(httplib::Client& client, const HttpRequest& request) {
  httplib::Headers headers;
  for (const auto& [name, value] : request.headers) headers.emplace(name, value);
  if (!request.trust.token.empty())
    headers.emplace("Authorization", "Bearer " + request.trust.token);
  if (request.method == HttpRequest::Method::kGet) return client.Get(request.path, headers);
  if (!request.files.empty()) {
    httplib::MultipartFormDataItems items;
    for (const auto& [field, content] : request.files) {
      items.push_back({field, content, field, "application/octet-stream"});
    }
    return client.Post(request.path, headers, items);
  }
  if (!request.body_parts.empty()) {
    size_t length = 0;
    for (const auto part : request.body_parts) length += part.size();
    const auto& parts = request.body_parts;
    // Called until length bytes went out, offset the count so far; a failed
    // write is reported by httplib itself (Error::Write).
    const auto provide = [&parts](size_t offset, size_t, httplib::DataSink& sink) {
      for (const auto part : parts) {
        if (offset < part.size()) {
          sink.write(part.data() + offset, part.size() - offset);
          return true;
        }
        offset -= part.size();
      }
      return false;
    };
    return client.Post(request.path, headers, length, provide, request.content_type);
  }
  if (!request.body.empty()) {
    return client.Post(request.path, headers, request.body, request.content_type);
  }
  return client.Post(request.path, headers, "", 0, "");
}

HttpAnswer run(httplib::Client& client, const HttpRequest& request, bool keep_alive = false) {
  HttpAnswer answer;
  bound(request.connect_timeout.value_or(request.timeout),
        [&](time_t s, time_t us) { client.set_connection_timeout(s, us); });
  bound(request.timeout, [&](time_t s, time_t us) { client.set_read_timeout(s, us); });
  bound(request.timeout, [&](time_t s, time_t us) { client.set_write_timeout(s, us); });
  client.set_keep_alive(keep_alive);
  // Over TLS the request follows the handshake's last flight: with Nagle it
  // waits for the server's delayed ACK (measured: 23 ms a call instead of 2).
  client.set_tcp_nodelay(true);
  if (!trust_chain_only(client, request.trust, &answer.error)) return answer;
  uint64_t id = 0;
  if (request.cancel && !request.cancel->admit([&client] { client.stop(); }, &id)) {
    answer.cancelled = true;
    answer.error = "cancelled";
    return answer;
  }
  // A handshake happens only in send(): the refusal's string is this call's.
  std::string refusal;
  SSL_CTX* ctx = client.ssl_context();
  if (ctx != nullptr) SSL_CTX_set_app_data(ctx, &refusal);
  const httplib::Result result = send(client, request);
  if (ctx != nullptr) SSL_CTX_set_app_data(ctx, nullptr);
  if (request.cancel) request.cancel->leave(id);  // before client goes
  if (!result) {
    answer.error = describe(result.error(), refusal);
    return answer;
  }
  answer.status = result->status;
  answer.body = result->body;
  answer.headers.assign(result->headers.begin(), result->headers.end());
  return answer;
}

template <typename... Where>
HttpAnswer guarded(const HttpRequest& request, const Where&... where) {
  try {
    httplib::Client client(where...);
    return run(client, request);
  } catch (const std::exception& e) {
    HttpAnswer answer;
    answer.error = e.what();
    return answer;
  }
}

}  // namespace

class HttplibConnection final : public HttpBackend::Connection {
 public:
  explicit HttplibConnection(std::string url) : url_(std::move(url)) {
    // The client is made here, on the thread that creates the connection,
    // not by whichever thread sends first: httplib parses the URL with a
    // function-local static regex, and a round's workers would otherwise race
    // to its first use (ThreadSanitizer cannot see the guard inside httplib).
    try {
      client_.emplace(url_);
    } catch (const std::exception& e) {
      spdlog::debug("http: no client for {} yet ({}); send() tries again", url_, e.what());
    }
  }

  HttpAnswer send(const HttpRequest& request) override {
    try {
      if (!client_) client_.emplace(url_);
      return run(*client_, request, /*keep_alive=*/true);
    } catch (const std::exception& e) {
      client_.reset();
      HttpAnswer answer;
      answer.error = e.what();
      return answer;
    }
  }

 private:
  std::string url_;
  std::optional<httplib::Client> client_;
};

class HttplibBackend final : public HttpBackend {
 public:
  HttpAnswer send(const std::string& host, int port, const HttpRequest& request) const override {
    return guarded(request, host, port);
  }
  HttpAnswer send(const std::string& base_url, const HttpRequest& request) const override {
    return guarded(request, base_url);
  }
  std::unique_ptr<Connection> connect(const std::string& base_url) const override {
    return std::make_unique<HttplibConnection>(base_url);
  }
};

}  // namespace ochopod::detail

extern "C" __attribute__((visibility("default"))) const ochopod::detail::HttpBackend*
ochopod_http_backend_v1(const ochopod::ModuleAbi* abi) {
  static const ochopod::detail::HttplibBackend backend;
  return ochopod::same_build(abi, ochopod::detail::http_backend_abi()) ? &backend : nullptr;
}
