// The control port's contract (docs/protocol.md 5) against a real pod: exact
// /info keys, JSON everywhere, 404/405/413 with {}, hostile bodies refused
// while the pod keeps serving.
#include <gtest/gtest.h>

#include <set>

#include "harness/cluster_probe.h"
#include "harness/zk_fixture.h"

namespace ochopod::test {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

class ControlPort : public ZkTest {
 protected:
  void SetUp() override {
    ZkTest::SetUp();
    pod = std::make_unique<PodProcess>(PodSpec(zk.connect_string()));
    ASSERT_TRUE(wait_until([&] { return state_of(pod->control_port()) == "leader"; }, 15s,
                           "the pod answering /info as leader"));
  }
  int port() const { return pod->control_port(); }
  std::unique_ptr<PodProcess> pod;
};

TEST_F(ControlPort, InfoHasExactlyTheProtocolKeysOnPostAndGet) {
  const std::set<std::string> expected = {"application", "dependencies", "ip",     "metrics",
                                          "node",        "port",         "ports",  "process",
                                          "public",      "state",        "status", "task"};
  for (const auto& reply : {http_post(port(), "/info"), http_get(port(), "/info")}) {
    ASSERT_EQ(reply.status, 200);
    EXPECT_EQ(reply.content_type, "application/json");
    std::set<std::string> keys;
    const json info = reply.json();
    for (const auto& [k, v] : info.items()) keys.insert(k);
    EXPECT_EQ(keys, expected);
  }
}

TEST_F(ControlPort, LogIsAJsonArrayOfRecentLines) {
  for (const auto& reply : {http_post(port(), "/log"), http_get(port(), "/log")}) {
    ASSERT_EQ(reply.status, 200);
    EXPECT_EQ(reply.content_type, "application/json");
    const auto lines = reply.json();
    ASSERT_TRUE(lines.is_array());
    ASSERT_FALSE(lines.empty());
    bool registered = false;
    for (const auto& l : lines)
      registered |= l.get<std::string>().find("registered as") != std::string::npos;
    EXPECT_TRUE(registered) << "the registration line is missing from /log";
  }
}

TEST_F(ControlPort, WrongPathsAndMethodsAnswerJsonErrors) {
  auto unknown = http_post(port(), "/nope");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.body, "{}");
  EXPECT_EQ(unknown.content_type, "application/json");
  auto get_reset = http_get(port(), "/reset");
  EXPECT_EQ(get_reset.status, 405);
  EXPECT_EQ(get_reset.body, "{}");
  auto get_control = http_get(port(), "/control/check");
  EXPECT_EQ(get_control.status, 405);
  EXPECT_EQ(http_post(port(), "/control/explode").status, 400);
  EXPECT_EQ(http_post(port(), "/control/check/soon").status, 400);
  EXPECT_EQ(http_post(port(), "/control/check/-3").status, 400);
  auto bad_json = http_post(port(), "/control/check", "{not json");
  EXPECT_EQ(bad_json.status, 400);
  EXPECT_EQ(bad_json.body, "{}");
  EXPECT_EQ(http_post(port(), "/exec").status, 400) << "exec without X-Shell";
  EXPECT_EQ(http_post(port(), "/exec", "", 5s, {{"X-Shell", "nothing here"}}).status, 404);
}

TEST_F(ControlPort, ABodyOverTheCapIsRefusedAndThePodKeepsServing) {
  const std::string huge(2 * 1024 * 1024, 'x');
  const auto reply = http_post(port(), "/control/signal", huge, 10s);
  // Either a clean 413, or the server closing the connection on us: never a 200.
  if (reply.status != 0) {
    EXPECT_EQ(reply.status, 413);
    EXPECT_EQ(reply.body, "{}");
  }
  const auto chunked =
      http_post(port(), "/control/signal", "{}", 5s, {{"Transfer-Encoding", "chunked"}});
  EXPECT_NE(chunked.status, 200) << "chunked bodies cannot be capped, they must be refused";
  for (int i = 0; i < 20; ++i) ASSERT_EQ(http_post(port(), "/info").status, 200);
  EXPECT_TRUE(pod->running());
}

TEST_F(ControlPort, ManyConcurrentClientsAllGetAnswers) {
  std::vector<std::thread> clients;
  std::atomic<int> ok{0};
  for (int c = 0; c < 24; ++c) {
    clients.emplace_back([&] {
      for (int i = 0; i < 20; ++i) ok += http_post(port(), "/info").status == 200 ? 1 : 0;
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(ok.load(), 24 * 20);
}

}  // namespace
}  // namespace ochopod::test
