// Plain HTTP calls to a pod's control port on 127.0.0.1 (docs/protocol.md 5), with
// every timeout bounded. Status 0 means no HTTP answer at all (refused,
// reset, timed out); `error` then says why.
#pragma once

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace ochopod::test {

struct HttpReply {
  int status = 0;
  std::string body;
  std::string content_type;
  std::string error;  // set when status is 0
  // The body parsed as JSON; null if it is not valid JSON.
  nlohmann::json json() const;
};

using HttpHeaders = std::map<std::string, std::string>;

// POST body (Content-Type application/json unless headers set one).
HttpReply http_post(int port, const std::string& path, const std::string& body = "",
                    std::chrono::milliseconds timeout = std::chrono::seconds(5),
                    const HttpHeaders& headers = {});

HttpReply http_get(int port, const std::string& path,
                   std::chrono::milliseconds timeout = std::chrono::seconds(5),
                   const HttpHeaders& headers = {});

// POST /info: the pod's info object on a 200 with a JSON object, else nullopt.
std::optional<nlohmann::json> pod_info(int port,
                                       std::chrono::milliseconds timeout = std::chrono::seconds(5));

}  // namespace ochopod::test
