// GET /healthz and /readyz on the real ControlServer, over real sockets:
// their codes follow their handlers, they answer without the control token
// while every other path keeps needing it, and they take GET (or HEAD) only.
#include <gtest/gtest.h>

#include <atomic>

#include "harness/four_letter.h"
#include "harness/http.h"
#include "harness/wait.h"
#include "runtime/control/server.h"

namespace ochopod::test {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

constexpr char kToken[] = "s3cret-token";

// One request on a raw connection, for the methods the HTTP helpers do not
// send: everything the server sent until it closed or `within` passed.
std::string raw_exchange(int port, const std::string& request,
                         std::chrono::milliseconds within = 3s) {
  return tcp_exchange(port, request, within).answer;
}

class ControlProbes : public testing::Test {
 protected:
  void start(const std::string& token, bool with_probes = true) {
    ControlHandlers handlers;
    handlers.info = [] { return json{{"state", "leader"}}; };
    handlers.log = [] { return json::array(); };
    handlers.reset = [] {};
    handlers.metrics = [] { return std::string("ochopod_up 1\n"); };
    handlers.control = [](ControlRequest r, std::chrono::duration<double>, Responder responder) {
      responder.reply(200, json{{"task", r.task}});
    };
    if (with_probes) {
      handlers.healthz = [this] { return healthy.load(); };
      handlers.readyz = [this] { return ready.load(); };
    }
    ControlServer::Options options;
    options.bind = "127.0.0.1";
    options.port = 0;
    options.token = token;
    server = std::make_unique<ControlServer>(options, std::move(handlers));
    std::string error;
    ASSERT_TRUE(server->start(&error)) << error;
  }
  int port() const { return server->port(); }

  std::atomic<bool> healthy{true};
  std::atomic<bool> ready{false};
  std::unique_ptr<ControlServer> server;
};

TEST_F(ControlProbes, CodesFollowTheHandlersAndTheBodyIsAnEmptyObject) {
  start("");
  auto health = http_get(port(), "/healthz");
  EXPECT_EQ(health.status, 200) << health.error;
  EXPECT_EQ(health.json(), json::object());
  EXPECT_EQ(health.content_type, "application/json");
  auto readiness = http_get(port(), "/readyz");
  EXPECT_EQ(readiness.status, 503) << readiness.error;
  EXPECT_EQ(readiness.json(), json::object());

  ready = true;
  EXPECT_EQ(http_get(port(), "/readyz").status, 200);
  healthy = false;
  health = http_get(port(), "/healthz");
  EXPECT_EQ(health.status, 503);
  EXPECT_EQ(health.json(), json::object());
  ready = false;
  EXPECT_EQ(http_get(port(), "/readyz").status, 503);
  // A query string does not change the path.
  healthy = true;
  EXPECT_EQ(http_get(port(), "/healthz?verbose=1").status, 200);
}

TEST_F(ControlProbes, TheProbesNeedNoTokenAndEveryOtherPathStillDoes) {
  start(kToken);
  ready = true;
  EXPECT_EQ(http_get(port(), "/healthz").status, 200);
  EXPECT_EQ(http_get(port(), "/readyz").status, 200);
  ready = false;
  EXPECT_EQ(http_get(port(), "/readyz").status, 503) << "without a token the probe still tells";
  // A wrong token on a probe does not matter either.
  EXPECT_EQ(http_get(port(), "/healthz", 5s, {{"Authorization", "Bearer nope"}}).status, 200);

  for (const std::string path : {"/info", "/log", "/control/check", "/reset", "/exec"}) {
    EXPECT_EQ(http_post(port(), path).status, 401) << path;
  }
  for (const std::string path : {"/info", "/metrics", "/nope", "/healthz/x", "/readyz/"}) {
    EXPECT_EQ(http_get(port(), path).status, 401) << path;
  }
  const HttpHeaders bearer = {{"Authorization", std::string("Bearer ") + kToken}};
  EXPECT_EQ(http_post(port(), "/info", "", 5s, bearer).status, 200);
  EXPECT_EQ(http_post(port(), "/control/check", "", 5s, bearer).status, 200);
  EXPECT_EQ(http_get(port(), "/metrics", 5s, bearer).status, 200);
  EXPECT_EQ(http_get(port(), "/healthz", 5s, bearer).status, 200);
}

TEST_F(ControlProbes, OnlyGetAndHeadAreAnswered) {
  start(kToken);
  ready = true;
  for (const std::string path : {"/healthz", "/readyz"}) {
    EXPECT_EQ(http_post(port(), path).status, 405) << path;
    const std::string put =
        raw_exchange(port(), "PUT " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    EXPECT_EQ(put.rfind("HTTP/1.1 405", 0), 0u) << put;
    EXPECT_NE(put.find("\r\n\r\n{}"), std::string::npos) << put;
    // HEAD: GET's status and headers, no body.
    const std::string head =
        raw_exchange(port(), "HEAD " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    EXPECT_EQ(head.rfind("HTTP/1.1 200", 0), 0u) << head;
    EXPECT_EQ(head.substr(head.find("\r\n\r\n") + 4), "") << head;
  }
  // A probe takes no body, so nothing past a header is read without the token.
  const std::string with_body =
      raw_exchange(port(), "GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello");
  EXPECT_EQ(with_body.rfind("HTTP/1.1 400", 0), 0u) << with_body;
  // Keep-alive: two probes on one connection, then a refused /info.
  const std::string both = raw_exchange(port(),
                                        "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
                                        "HEAD /readyz HTTP/1.1\r\nHost: x\r\n\r\n"
                                        "GET /info HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(both.rfind("HTTP/1.1 200", 0), 0u) << both;
  EXPECT_NE(both.find("HTTP/1.1 200", 1), std::string::npos) << both;
  EXPECT_NE(both.find("HTTP/1.1 401"), std::string::npos) << both;
}

TEST_F(ControlProbes, WithoutHandlersTheProbesAreUnknownPaths) {
  start("", /*with_probes=*/false);
  EXPECT_EQ(http_get(port(), "/healthz").status, 404);
  EXPECT_EQ(http_get(port(), "/readyz").status, 404);
  server.reset();
  start(kToken, /*with_probes=*/false);
  EXPECT_EQ(http_get(port(), "/healthz").status, 401) << "an unknown path keeps the token rule";
}

}  // namespace
}  // namespace ochopod::test
