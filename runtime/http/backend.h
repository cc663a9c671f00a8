// HttpBackend: what the HTTP client module gives the binary, the one thing
// runtime/http/client.cpp and the module (backend/httplib_backend.cpp)
// share.
//
// The client (client.h) is cpp-httplib's; loading libcpp-httplib at exec
// costs every pod a third of its boot (it initializes OpenSSL's error strings
// and brings the Brotli libraries) while only a leader, a pod with an http
// check and the operator's commands ever call another pod. So the httplib
// code is a module (runtime/base/module.h), libochopod-http.so, loaded by
// client.cpp the first time a request is sent. The module is built with the
// binary from the same headers; the entry point checks the version and the
// sizes of the types that cross, and refuses a module of another build.
#pragma once

#include <memory>
#include <string>

#include "runtime/base/module_abi.h"
#include "runtime/http/client.h"

namespace ochopod::detail {

class HttpBackend {
 public:
  // One kept-alive connection to a base URL (HttpConnection's).
  class Connection {
   public:
    virtual ~Connection() = default;
    virtual HttpAnswer send(const HttpRequest& request) = 0;
  };

  virtual HttpAnswer send(const std::string& host, int port, const HttpRequest& request) const = 0;
  virtual HttpAnswer send(const std::string& base_url, const HttpRequest& request) const = 0;
  virtual std::unique_ptr<Connection> connect(const std::string& base_url) const = 0;

 protected:
  ~HttpBackend() = default;  // a static of the module's; never deleted through this
};

inline constexpr const char* kHttpModuleFile = "libochopod-http.so";
inline constexpr const char* kHttpModuleEntry = "ochopod_http_backend_v1";

#ifndef OCHOPOD_VERSION
#error "OCHOPOD_VERSION must be defined where the HTTP backend's ABI is checked"
#endif
inline ModuleAbi http_backend_abi() {
  return {OCHOPOD_VERSION, {sizeof(HttpRequest), sizeof(HttpAnswer), sizeof(HttpBackend)}};
}

}  // namespace ochopod::detail
