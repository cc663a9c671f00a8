// One bounded HTTP request to a pod: the one wrapper around cpp-httplib.
//
// The leader's rounds (models/reactive/transport.cpp), the --health http check
// and the operator commands (cli/ops/actions.cpp) all call a pod this way. It
// blocks the calling thread (never the coordinator loop or an HTTP server
// thread) for at most its timeouts, never throws, and keeps httplib.h out of
// every header (it is heavy to compile). Any thread; a request's cancel hook may be
// called from another one. cpp-httplib itself is in a module loaded on the
// first request (backend.h): a pod that never calls another one never loads
// it.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ochopod {

// Lets another thread cut requests short. Before sending, the request hands
// admit() a stopper that aborts it; admit() returns false to have it not
// sent at all. The stopper stays callable until leave(id) returns.
class HttpCancelHook {
 public:
  virtual ~HttpCancelHook() = default;
  virtual bool admit(std::function<void()> stop, uint64_t* id) = 0;
  virtual void leave(uint64_t id) = 0;
};

// How a caller proves itself to a pod and checks the pod back
// (docs/protocol.md, "Security"). Empty fields: plain HTTP without a token,
// as Python pods speak it.
struct HttpTrust {
  std::string token;  // sent as "Authorization: Bearer <token>"
  // For https:// only: the CA file the pod's certificate chain must verify
  // against; empty: the system's trust store. Host names and IPs are not
  // checked: pod addresses are dynamic, so certificates cannot name them.
  std::string ca_file;
};

struct HttpRequest {
  enum class Method { kGet, kPost };
  Method method = Method::kPost;
  std::string path;  // "/info", "/control/on/5"...
  std::string body;  // POST: empty sends no body
  // POST, instead of body: pieces sent back to back as one body, so a caller
  // can send one large body to many pods without a copy per request. They
  // must outlive the call.
  std::vector<std::string_view> body_parts;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::vector<std::pair<std::string, std::string>> files;  // multipart: field name -> content
  std::chrono::duration<double> timeout{5.0};  // read and write, each; connect too unless:
  std::optional<std::chrono::duration<double>> connect_timeout;
  HttpCancelHook* cancel = nullptr;  // may be null
  HttpTrust trust;
};

struct HttpAnswer {
  int status = 0;  // 0: no HTTP answer at all
  std::string body;
  std::string error;       // when status is 0: why ("connection refused", "cancelled"...)
  bool cancelled = false;  // the hook refused it: never sent
  std::vector<std::pair<std::string, std::string>> headers;  // as the pod sent them
  // The body as JSON; discarded (is_discarded()) if it is not JSON.
  nlohmann::json json() const;
  // The first header of that name (case-insensitive), empty if none.
  std::string header(std::string_view name) const;
};

// Sends the request to http://host:port (host: a name or an IP literal,
// IPv6 without brackets).
HttpAnswer http_send(const std::string& host, int port, const HttpRequest& request);
// The same to a base URL, "http://10.0.0.1:8080" or "https://10.0.0.1:8080"
// (the certificate checked as request.trust says; a failed check is an
// error naming the reason, "certificate verify failed: ...").
HttpAnswer http_send(const std::string& base_url, const HttpRequest& request);

// One pod called several times over one connection (HTTP/1.1 keep-alive):
// a round reaches each pod three times. Made on one thread, then used by
// one thread at a time; a request after the pod closed the connection
// opens a new one.
class HttpConnection {
 public:
  explicit HttpConnection(std::string base_url);
  ~HttpConnection();
  HttpConnection(HttpConnection&&) noexcept;
  HttpConnection& operator=(HttpConnection&&) noexcept;
  HttpAnswer send(const HttpRequest& request);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ochopod
