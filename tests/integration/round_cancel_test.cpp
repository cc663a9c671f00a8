// A cancelled round (RoundCancel): requests in flight are cut short and no
// further one leaves. The "pods" are loopback listeners that never accept:
// the kernel completes the connection, nobody answers, as with a frozen pod.
// And what a round puts on the wire (RoundWire): its grace, one connection
// per pod, and bodies named by their id to the pods that kept them.
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "harness/wait.h"
#include "models/reactive/round.h"

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

// An httplib server playing a pod: it records what each /control request
// carried and answers as `answer` says (called under mu).
struct WirePod {
  struct Seen {
    std::string path;
    int client_port = 0;
    std::string body;
    std::string id;   // X-Ochopod-Body-Id
    std::string ref;  // X-Ochopod-Body-Ref
  };
  using Answer = std::function<void(const Seen&, httplib::Response&)>;

  explicit WirePod(Answer a) : answer(std::move(a)) {
    server.Post(R"(/control/.*)", [this](const httplib::Request& req, httplib::Response& res) {
      Seen s{req.path, req.remote_port, req.body, req.get_header_value("X-Ochopod-Body-Id"),
             req.get_header_value("X-Ochopod-Body-Ref")};
      res.set_content("{}", "application/json");
      std::lock_guard lock(mu);
      answer(s, res);
      seen.push_back(std::move(s));
    });
    port = server.bind_to_any_port("127.0.0.1");
    thread = std::thread([this] { server.listen_after_bind(); });
  }
  ~WirePod() {
    server.stop();
    thread.join();
  }
  WirePod(const WirePod&) = delete;
  WirePod& operator=(const WirePod&) = delete;

  bool started() {
    return port > 0 && wait_until([this] { return server.is_running(); }, std::chrono::seconds(10),
                                  "a test pod's server to start");
  }
  json registration() const {
    return {{"ip", "127.0.0.1"}, {"port", "8080"}, {"ports", {{"8080", port}}}};
  }

  Answer answer;
  httplib::Server server;
  std::thread thread;
  int port = 0;
  std::mutex mu;
  std::vector<Seen> seen;
};

// Answers as a Python pod does: 200 and nothing about bodies.
void plain(const WirePod::Seen&, httplib::Response&) {}

// Answers as an ochopod pod did before checks came as diffs (body_ref.h): a
// body that came with an id is kept, except ok's; a reference is served
// while its body is held. Such a pod never says it kept ok's body, so it
// never gets a diff (round_diff_test.cpp).
struct Keeper {
  std::string held;
  bool forget_after_check = false;  // as if another body had replaced it
  void operator()(const WirePod::Seen& s, httplib::Response& res) {
    const bool ok = s.path.rfind("/control/ok", 0) == 0;
    if (s.body.empty() && !s.ref.empty()) {
      if (s.ref != held) {
        res.status = 412;
        return;
      }
    } else {
      held = s.id;
    }
    if (ok) held.clear();
    if (!held.empty()) res.set_header("X-Ochopod-Body-Kept", held);
    if (forget_after_check && s.path.rfind("/control/check", 0) == 0) held.clear();
  }
};

// A pod gets check, on and ok over one connection, kept through the round
// (the client's port is the connection's), and the round still completes.
TEST(RoundWire, EachPodGetsItsPhasesOverOneConnection) {
  std::vector<std::unique_ptr<WirePod>> pods;
  RoundPlan plan;
  plan.grace = std::chrono::seconds(5);
  for (const char* key : {"a", "b"}) {
    pods.push_back(std::make_unique<WirePod>(plain));
    ASSERT_TRUE(pods.back()->started());
    plan.pods[key] = pods.back()->registration();
  }
  const RoundResult result = run_round(plan);
  ASSERT_TRUE(result.ok) << result.error;
  for (auto& p : pods) {
    std::lock_guard lock(p->mu);
    ASSERT_EQ(p->seen.size(), 3u);
    EXPECT_EQ(p->seen[0].path, "/control/check/5");
    EXPECT_EQ(p->seen[1].path, "/control/on/5");
    EXPECT_EQ(p->seen[2].path, "/control/ok/5");
    EXPECT_EQ(p->seen[1].client_port, p->seen[0].client_port) << "on came over a new connection";
    EXPECT_EQ(p->seen[2].client_port, p->seen[0].client_port) << "ok came over a new connection";
  }
}

// A pod that says it kept check's body gets on and ok as its id alone; a
// pod that never says so (a Python pod) gets the whole body every phase.
TEST(RoundWire, APodThatKeptTheBodyGetsItsIdAndAPythonPodTheWholeBody) {
  WirePod ours(Keeper{});
  WirePod python(plain);
  ASSERT_TRUE(ours.started() && python.started());
  RoundPlan plan;
  plan.grace = std::chrono::seconds(5);
  plan.pods["ours"] = ours.registration();
  plan.pods["python"] = python.registration();
  const RoundResult result = run_round(plan);
  ASSERT_TRUE(result.ok) << result.error;

  std::lock_guard a(ours.mu), b(python.mu);
  ASSERT_EQ(ours.seen.size(), 3u);
  ASSERT_EQ(python.seen.size(), 3u);
  const auto& check = ours.seen[0];
  ASSERT_FALSE(check.id.empty()) << "check's body came without an id";
  EXPECT_EQ(json::parse(check.body).at("key"), "ours");
  EXPECT_TRUE(check.ref.empty());
  for (size_t i = 1; i < 3; ++i) {
    EXPECT_TRUE(ours.seen[i].body.empty()) << ours.seen[i].path << " sent the body again";
    EXPECT_EQ(ours.seen[i].ref, check.id) << ours.seen[i].path << " did not name the kept body";
  }
  for (const auto& s : python.seen) {
    EXPECT_TRUE(s.ref.empty()) << s.path << " named a body a Python pod never said it kept";
    ASSERT_FALSE(s.body.empty()) << s.path << " came without its body";
    EXPECT_EQ(json::parse(s.body).at("key"), "python");
    EXPECT_EQ(json::parse(s.body).at("pods").size(), 2u);
  }
}

// A pod that no longer holds the body answers 412 to its id: it gets the
// whole body at once, and the round completes.
TEST(RoundWire, APodThatLostTheBodyGetsItWholeAndTheRoundCompletes) {
  Keeper keeper;
  keeper.forget_after_check = true;
  WirePod pod(keeper);
  ASSERT_TRUE(pod.started());
  RoundPlan plan;
  plan.grace = std::chrono::seconds(5);
  plan.pods["a"] = pod.registration();
  const RoundResult result = run_round(plan);
  ASSERT_TRUE(result.ok) << result.error;

  std::lock_guard lock(pod.mu);
  ASSERT_EQ(pod.seen.size(), 4u);
  EXPECT_EQ(pod.seen[1].path, "/control/on/5");
  EXPECT_FALSE(pod.seen[1].ref.empty());
  EXPECT_TRUE(pod.seen[1].body.empty());
  EXPECT_EQ(pod.seen[2].path, "/control/on/5") << "the 412 was not followed by the whole body";
  EXPECT_EQ(pod.seen[2].body, pod.seen[0].body);
  EXPECT_EQ(pod.seen[2].id, pod.seen[0].id);
  EXPECT_EQ(pod.seen[3].path, "/control/ok/5");
  EXPECT_TRUE(pod.seen[3].body.empty()) << "on's whole body was kept: ok should name it";
  EXPECT_EQ(pod.seen[3].ref, pod.seen[0].id);
}

}  // namespace
}  // namespace ochopod::test
