#include "harness/http.h"

#include <httplib.h>
#include <strings.h>

namespace ochopod::test {

namespace {

httplib::Client make_client(int port, std::chrono::milliseconds timeout) {
  httplib::Client client("127.0.0.1", port);
  const auto secs = std::chrono::duration_cast<std::chrono::seconds>(timeout);
  const auto usecs = std::chrono::duration_cast<std::chrono::microseconds>(timeout - secs);
  client.set_connection_timeout(secs.count(), usecs.count());
  client.set_read_timeout(secs.count(), usecs.count());
  client.set_write_timeout(secs.count(), usecs.count());
  client.set_keep_alive(false);
  return client;
}

HttpReply to_reply(const httplib::Result& result) {
  HttpReply reply;
  if (!result) {
    reply.error = httplib::to_string(result.error());
    return reply;
  }
  reply.status = result->status;
  reply.body = result->body;
  reply.content_type = result->get_header_value("Content-Type");
  return reply;
}

}  // namespace

nlohmann::json HttpReply::json() const {
  auto parsed = nlohmann::json::parse(body, nullptr, false);
  return parsed.is_discarded() ? nlohmann::json() : parsed;
}

HttpReply http_post(int port, const std::string& path, const std::string& body,
                    std::chrono::milliseconds timeout, const HttpHeaders& headers) {
  auto client = make_client(port, timeout);
  httplib::Headers h;
  std::string content_type = "application/json";
  for (const auto& [k, v] : headers) {
    if (::strcasecmp(k.c_str(), "Content-Type") == 0) {
      content_type = v;
    } else {
      h.emplace(k, v);
    }
  }
  return to_reply(client.Post(path, h, body, content_type));
}

HttpReply http_get(int port, const std::string& path, std::chrono::milliseconds timeout,
                   const HttpHeaders& headers) {
  auto client = make_client(port, timeout);
  httplib::Headers h(headers.begin(), headers.end());
  return to_reply(client.Get(path, h));
}

std::optional<nlohmann::json> pod_info(int port, std::chrono::milliseconds timeout) {
  const auto reply = http_post(port, "/info", "", timeout);
  if (reply.status != 200) return std::nullopt;
  auto info = reply.json();
  if (!info.is_object()) return std::nullopt;
  return info;
}

}  // namespace ochopod::test
