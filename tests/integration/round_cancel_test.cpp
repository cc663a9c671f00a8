// A cancelled round (RoundCancel): requests in flight are cut short and no
// further one leaves. The "pods" are loopback listeners that never accept:
// the kernel completes the connection, nobody answers, as with a frozen pod.
// And what a round puts on the wire (RoundWire).
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "harness/wait.h"
#include "ochopod/round.h"

namespace ochopod::test {
namespace {

using nlohmann::json;

class Frozen {
 public:
  Frozen() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), len), 0);
    EXPECT_EQ(::listen(fd_, 16), 0);
    EXPECT_EQ(::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len), 0);
    port_ = ntohs(addr.sin_port);
  }
  ~Frozen() { ::close(fd_); }
  Frozen(const Frozen&) = delete;
  Frozen& operator=(const Frozen&) = delete;

  // A connection waits in the accept queue.
  bool contacted() const {
    pollfd p{fd_, POLLIN, 0};
    return ::poll(&p, 1, 0) == 1;
  }
  // The first bytes of the first connection, once the client has sent them.
  std::string first_request() const {
    const int c = ::accept(fd_, nullptr, nullptr);
    if (c < 0) return "";
    char buffer[256] = {};
    const ssize_t n = ::recv(c, buffer, sizeof buffer - 1, 0);
    ::close(c);
    return n > 0 ? std::string(buffer, static_cast<size_t>(n)) : "";
  }
  json registration() const {
    return {{"ip", "127.0.0.1"}, {"port", "8080"}, {"ports", {{"8080", port_}}}};
  }

 private:
  int fd_ = -1;
  int port_ = 0;
};

RoundPlan plan_for(const std::vector<const Frozen*>& pods, bool sequential) {
  RoundPlan plan;
  char key = 'a';
  for (const auto* p : pods) plan.pods[std::string(1, key++)] = p->registration();
  plan.grace = std::chrono::seconds(30);  // 37.5 s per request if not cut
  plan.sequential = sequential;
  plan.cancel = std::make_shared<RoundCancel>();
  return plan;
}

TEST(RoundCancel, CutsTheRequestsInFlightShort) {
  Frozen a, b;
  RoundPlan plan = plan_for({&a, &b}, false);
  auto round = std::async(std::launch::async, [&] { return run_round(plan); });
  ASSERT_TRUE(
      wait_until([&] { return a.contacted() && b.contacted(); }, 5s, "both checks in flight"));
  const auto start = std::chrono::steady_clock::now();
  plan.cancel->cancel();
  ASSERT_EQ(round.wait_for(2s), std::future_status::ready) << "the round ran on after cancel()";
  const double took =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("cancelled round returned after %.3f s\n", took);
  const RoundResult result = round.get();
  EXPECT_FALSE(result.ok);
  EXPECT_TRUE(result.cancelled) << result.error;
}

TEST(RoundCancel, NoRequestLeavesAfterCancel) {
  Frozen a, b;
  RoundPlan plan = plan_for({&a, &b}, true);
  auto round = std::async(std::launch::async, [&] { return run_round(plan); });
  ASSERT_TRUE(wait_until([&] { return a.contacted(); }, 5s, "the first check in flight"));
  plan.cancel->cancel();
  ASSERT_EQ(round.wait_for(2s), std::future_status::ready) << "the round ran on after cancel()";
  EXPECT_TRUE(round.get().cancelled);
  EXPECT_FALSE(b.contacted()) << "a request left after cancel()";

  Frozen c;
  RoundPlan late = plan_for({&c}, false);
  late.cancel->cancel();
  const RoundResult result = run_round(late);
  EXPECT_TRUE(result.cancelled);
  EXPECT_FALSE(c.contacted()) << "a cancelled round contacted a pod";
}

// A fractional grace: the pod is told whole seconds (ceil), and the leader
// waits for exactly that x 1.25, never less than the pod was given.
TEST(RoundWire, AFractionalGraceIsSentAndWaitedInWholeSeconds) {
  Frozen a;
  RoundPlan plan = plan_for({&a}, true);
  plan.grace = std::chrono::milliseconds(500);
  const auto start = std::chrono::steady_clock::now();
  const RoundResult result = run_round(plan);
  const double took =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("a check with grace 0.5 s waited %.3f s\n", took);
  EXPECT_FALSE(result.ok);
  EXPECT_FALSE(result.cancelled);
  EXPECT_GE(took, 1.2) << "the client gave up before the 1 s the URL gave the pod, x 1.25";
  EXPECT_LT(took, 1.25 + 1.0);
  EXPECT_EQ(a.first_request().rfind("POST /control/check/1 HTTP/1.1\r\n", 0), 0u);
}

// A pod gets check, on and ok over one connection, kept through the round
// (the client's port is the connection's), and the round still completes.
TEST(RoundWire, EachPodGetsItsPhasesOverOneConnection) {
  struct Pod {
    httplib::Server server;
    std::thread thread;
    int port = 0;
    std::mutex mu;
    std::vector<std::pair<std::string, int>> seen;  // path, client port
  };
  std::vector<std::unique_ptr<Pod>> pods;
  RoundPlan plan;
  plan.grace = std::chrono::seconds(5);
  for (const char* key : {"a", "b"}) {
    auto pod = std::make_unique<Pod>();
    Pod* p = pod.get();
    p->server.Post(R"(/control/.*)", [p](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(p->mu);
      p->seen.emplace_back(req.path, req.remote_port);
      res.set_content("{}", "application/json");
    });
    p->port = p->server.bind_to_any_port("127.0.0.1");
    ASSERT_GT(p->port, 0);
    p->thread = std::thread([p] { p->server.listen_after_bind(); });
    ASSERT_TRUE(wait_until([p] { return p->server.is_running(); }, std::chrono::seconds(10),
                           "a test pod's server to start"));
    plan.pods[key] = {{"ip", "127.0.0.1"}, {"port", "8080"}, {"ports", {{"8080", p->port}}}};
    pods.push_back(std::move(pod));
  }
  const RoundResult result = run_round(plan);
  for (auto& p : pods) {
    p->server.stop();
    p->thread.join();
  }
  ASSERT_TRUE(result.ok) << result.error;
  for (auto& p : pods) {
    ASSERT_EQ(p->seen.size(), 3u);
    EXPECT_EQ(p->seen[0].first, "/control/check/5");
    EXPECT_EQ(p->seen[1].first, "/control/on/5");
    EXPECT_EQ(p->seen[2].first, "/control/ok/5");
    EXPECT_EQ(p->seen[1].second, p->seen[0].second) << "on came over a new connection";
    EXPECT_EQ(p->seen[2].second, p->seen[0].second) << "ok came over a new connection";
  }
}

}  // namespace
}  // namespace ochopod::test
