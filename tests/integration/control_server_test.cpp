// ControlServer in process, over real sockets: what a pod's tests cannot
// reach easily (a C++ tool that overruns its timeout, pipelined requests,
// the connection cap, the whole-request deadline, bodies by reference, TLS
// records split and joined, and what is not TLS on a TLS port).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "harness/http.h"
#include "harness/tls_files.h"
#include "harness/wait.h"
#include "runtime/control/server.h"
#include "runtime/control/tool_executor.h"
#include "runtime/http/client.h"

namespace ochopod::test {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

// A C++ tool that cannot be stopped: it sleeps past any timeout.
class Stubborn : public Tool {
 public:
  std::string tag() const override { return "stubborn"; }
  ToolResult body(const std::vector<std::string>&, const std::filesystem::path&) override {
    std::this_thread::sleep_for(4s);
    return {0, {"finished"}};
  }
};

// A raw connection, for what an HTTP client library would not send.
class Raw {
 public:
  explicit Raw(int port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~Raw() { ::close(fd_); }
  bool connected() const { return connected_; }
  void send(const std::string& text) {
    ASSERT_EQ(::send(fd_, text.data(), text.size(), MSG_NOSIGNAL), ssize_t(text.size()));
  }
  // Everything received until the peer closes or `within` passes.
  std::string read_all(std::chrono::milliseconds within) {
    std::string out;
    const auto end = Clock::now() + within;
    while (Clock::now() < end) {
      pollfd p{fd_, POLLIN, 0};
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now());
      if (::poll(&p, 1, static_cast<int>(std::max<int64_t>(1, left.count()))) <= 0) continue;
      char buf[4096];
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) {
        closed_ = true;
        break;
      }
      out.append(buf, static_cast<size_t>(n));
    }
    return out;
  }
  bool closed() const { return closed_; }

 private:
  int fd_;
  bool connected_ = false;
  bool closed_ = false;
};

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

class ControlServerInProcess : public testing::Test {
 protected:
  void start(ControlServer::Options options = {}) {
    tools.add(std::make_shared<Stubborn>());
    ControlHandlers handlers;
    handlers.info = [] { return json{{"state", "follower"}}; };
    handlers.log = [] { return json::array({"a\xff line"}); };
    handlers.reset = [] {};
    handlers.control = [this](ControlRequest r, std::chrono::duration<double>,
                              Responder responder) {
      ++controlled;
      json reply{{"task", r.task}};
      if (r.body && r.body->contains("key")) reply["key"] = r.body->at("key");
      if (r.body && r.body->contains("pods")) {
        std::lock_guard<std::mutex> lock(mu);
        pods = r.body->at("pods");
      }
      responder.reply(200, reply);
    };
    handlers.exec = serve_exec(tools, executor);
    handlers.control_answered = [this](std::string_view task, int code) {
      std::lock_guard<std::mutex> lock(mu);
      answered.emplace_back(std::string(task), code);
    };
    options.bind = "127.0.0.1";
    options.port = 0;
    server = std::make_unique<ControlServer>(options, std::move(handlers));
    std::string error;
    ASSERT_TRUE(server->start(&error)) << error;
  }
  int port() const { return server->port(); }
  // The pods map of the last body that had one.
  json last_pods() {
    std::lock_guard<std::mutex> lock(mu);
    return pods;
  }
  std::vector<std::pair<std::string, int>> codes() {
    std::lock_guard<std::mutex> lock(mu);
    return answered;
  }
  std::mutex mu;
  json pods;
  std::vector<std::pair<std::string, int>> answered;  // control_answered's
  std::atomic<int> controlled{0};                     // requests handed to the handler
  ToolBox tools;
  ToolExecutor executor;
  std::unique_ptr<ControlServer> server;
};

TEST_F(ControlServerInProcess, ACppToolPastItsTimeoutAnswersTheTimeoutAnswer) {
  start();
  const auto begin = Clock::now();
  const auto reply =
      http_post(port(), "/exec", "", 10s, {{"X-Shell", "stubborn"}, {"X-Timeout", "0.5"}});
  const auto took = Clock::now() - begin;
  ASSERT_EQ(reply.status, 200) << reply.error;
  EXPECT_EQ(reply.json(), json({{"code", 124}, {"stdout", {"timed out"}}}));
  // The timeout plus the 2 s grace, not the tool's 4 s.
  EXPECT_LT(took, 3.8s);
  EXPECT_GE(took, 2.4s);
}

TEST_F(ControlServerInProcess, InvalidUtf8InAnswersIsReplacedNotA500) {
  start();
  const auto reply = http_post(port(), "/log");
  ASSERT_EQ(reply.status, 200);
  EXPECT_TRUE(reply.json().is_array()) << reply.body;
}

TEST_F(ControlServerInProcess, PipelinedRequestsAreAnsweredInOrderOnOneConnection) {
  start();
  Raw c(port());
  ASSERT_TRUE(c.connected());
  c.send(
      "POST /info HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"
      "POST /control/signal HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}"
      "GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  const std::string got = c.read_all(5s);
  EXPECT_TRUE(c.closed());
  EXPECT_EQ(count(got, "HTTP/1.1 200"), 2u) << got;
  EXPECT_EQ(count(got, "HTTP/1.1 404"), 1u) << got;
  EXPECT_LT(got.find("follower"), got.find("signal"));
}

TEST_F(ControlServerInProcess, HttpOneZeroGetsAnHttpOneZeroAnswerAndAClose) {
  start();
  Raw c(port());
  c.send("POST /info HTTP/1.0\r\n\r\n");
  const std::string got = c.read_all(5s);
  EXPECT_EQ(got.rfind("HTTP/1.0 200", 0), 0u) << got;
  EXPECT_TRUE(c.closed());
}

TEST_F(ControlServerInProcess, OversizedHeadersAndGarbageAreRefusedAndClosed) {
  start();
  {
    Raw c(port());
    c.send("POST /info HTTP/1.1\r\nX-Big: " + std::string(20000, 'h') + "\r\n\r\n");
    const std::string got = c.read_all(5s);
    EXPECT_EQ(got.rfind("HTTP/1.1 431", 0), 0u) << got.substr(0, 100);
    EXPECT_TRUE(c.closed());
  }
  {
    Raw c(port());
    c.send("NOT HTTP AT ALL\r\n\r\n");
    const std::string got = c.read_all(5s);
    EXPECT_EQ(got.rfind("HTTP/1.1 400", 0), 0u) << got;
    EXPECT_NE(got.find("{}"), std::string::npos);
    EXPECT_TRUE(c.closed());
  }
  EXPECT_EQ(http_post(port(), "/info").status, 200);
}

TEST_F(ControlServerInProcess, AnIncompleteRequestIsClosedAtTheDeadline) {
  ControlServer::Options options;
  options.request_deadline = 500ms;
  start(options);
  Raw c(port());
  const auto begin = Clock::now();
  c.send("POST /info HTTP/1.1\r\nHost: x\r\n");
  c.read_all(5s);
  EXPECT_TRUE(c.closed());
  EXPECT_LT(Clock::now() - begin, 2s);
}

TEST_F(ControlServerInProcess, ConnectionsPastTheCapAreClosedAndTheOthersServed) {
  ControlServer::Options options;
  options.max_connections = 4;
  start(options);
  std::vector<std::unique_ptr<Raw>> held;
  for (int i = 0; i < 4; ++i) held.push_back(std::make_unique<Raw>(port()));
  // The server counts a connection once it accepted it.
  Raw extra(port());
  extra.read_all(2s);
  EXPECT_TRUE(extra.closed()) << "a fifth connection was kept";
  held.pop_back();
  EXPECT_TRUE(wait_until([&] { return http_post(port(), "/info", "", 1s).status == 200; }, 5s,
                         "a place freed by a closed connection"));
}

// A leader's body past the size a pod keeps (payload_cache.h).
std::string large_body(const std::string& key) {
  json pods = json::object();
  for (int i = 0; i < 100; ++i) {
    pods["pod-" + std::to_string(i)] = {{"ip", "10.0.0." + std::to_string(i)},
                                        {"ports", {{"8080", 31000 + i}}}};
  }
  return json{{"dependencies", json::object()}, {"key", key}, {"pods", pods}}.dump();
}

HttpAnswer post(int port, const std::string& path, const std::string& body,
                std::vector<std::pair<std::string, std::string>> headers) {
  HttpRequest request;
  request.path = path;
  request.body = body;
  request.headers = std::move(headers);
  return http_send("127.0.0.1", port, request);
}

// body_ref.h: a body sent with an id is kept under it and said so; the next
// phases may name it; a name the pod does not hold gets 412. A named body
// outlives ok, as the base of the next round's check sent as a diff.
TEST_F(ControlServerInProcess, AKeptBodyIsNamedByItsIdAndOutlivesOkAsTheNextDiffsBase) {
  start();
  const std::string body = large_body("pod-7");
  ASSERT_GE(body.size(), 4096u);
  const auto check = post(port(), "/control/check/5", body, {{"X-Ochopod-Body-Id", "r1-abc"}});
  ASSERT_EQ(check.status, 200) << check.error;
  EXPECT_EQ(check.header("X-Ochopod-Body-Kept"), "r1-abc");

  const auto on = post(port(), "/control/on/5", "", {{"X-Ochopod-Body-Ref", "r1-abc"}});
  ASSERT_EQ(on.status, 200) << on.error;
  EXPECT_EQ(on.json(), json({{"task", "on"}, {"key", "pod-7"}})) << "on did not get the kept body";
  EXPECT_EQ(on.header("X-Ochopod-Body-Kept"), "r1-abc");

  const auto other = post(port(), "/control/on/5", "", {{"X-Ochopod-Body-Ref", "r0-old"}});
  EXPECT_EQ(other.status, 412) << "a body the pod never kept was served";

  const auto ok = post(port(), "/control/ok/5", "", {{"X-Ochopod-Body-Ref", "r1-abc"}});
  ASSERT_EQ(ok.status, 200) << ok.error;
  EXPECT_EQ(ok.json(), json({{"task", "ok"}, {"key", "pod-7"}}));
  EXPECT_EQ(ok.header("X-Ochopod-Body-Kept"), "r1-abc") << "a named body did not outlive ok";

  // The next round's check as what changed: pod-0 left, pod-200 joined.
  json next = json::parse(body)["pods"];
  next.erase("pod-0");
  next["pod-200"] = {{"ip", "10.0.2.0"}, {"ports", {{"8080", 32000}}}};
  const std::string diff = "{\"added\":{\"pod-200\":" + next["pod-200"].dump() +
                           "},\"dependencies\":{},\"gone\":[\"pod-0\"],\"key\":\"pod-8\"}";
  const auto as_diff = post(port(), "/control/check/5", diff,
                            {{"X-Ochopod-Body-Id", "r2-def"}, {"X-Ochopod-Body-Base", "r1-abc"}});
  ASSERT_EQ(as_diff.status, 200) << as_diff.error;
  EXPECT_EQ(as_diff.json(), json({{"task", "check"}, {"key", "pod-8"}}));
  EXPECT_EQ(as_diff.header("X-Ochopod-Body-Kept"), "r2-def");
  EXPECT_EQ(last_pods(), next) << "the diff did not give the whole map";

  const auto stale = post(port(), "/control/check/5", diff,
                          {{"X-Ochopod-Body-Id", "r3"}, {"X-Ochopod-Body-Base", "r1-abc"}});
  EXPECT_EQ(stale.status, 412) << "a diff against a body no longer held was applied";
  const auto bad =
      post(port(), "/control/check/5",
           "{\"added\":{\"x\":", {{"X-Ochopod-Body-Id", "r3"}, {"X-Ochopod-Body-Base", "r2-def"}});
  EXPECT_EQ(bad.status, 400) << "a diff that is not one was not refused";
  const auto still = post(port(), "/control/on/5", "", {{"X-Ochopod-Body-Ref", "r2-def"}});
  EXPECT_EQ(still.status, 200) << "a refused diff lost the kept body";
  EXPECT_EQ(still.json(), json({{"task", "on"}, {"key", "pod-8"}}));

  // Without a reference an empty body still means "what you have" (the
  // operator's tools, ochothon, a Python leader).
  const auto bare = post(port(), "/control/on/5", "", {});
  ASSERT_EQ(bare.status, 200) << bare.error;
  EXPECT_EQ(bare.json(), json({{"task", "on"}}));
}

// A Python leader names no body: its ok leaves none kept.
TEST_F(ControlServerInProcess, AnOkWithoutAnIdKeepsNoBody) {
  start();
  const std::string body = large_body("pod-7");
  ASSERT_EQ(post(port(), "/control/check/5", body, {{"X-Ochopod-Body-Id", "r1"}}).status, 200);
  const auto ok = post(port(), "/control/ok/5", body, {});
  ASSERT_EQ(ok.status, 200) << ok.error;
  EXPECT_EQ(ok.header("X-Ochopod-Body-Kept"), "");
  EXPECT_EQ(post(port(), "/control/on/5", "", {{"X-Ochopod-Body-Ref", "r1"}}).status, 412)
      << "the body outlived an ok that did not name it";
}

TEST_F(ControlServerInProcess, BodiesWithoutAUsableIdAreReadButNeverSaidKept) {
  start();
  const std::string body = large_body("pod-3");
  struct Case {
    const char* what;
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
  };
  const std::vector<Case> cases = {
      {"no id (a Python leader)", body, {}},
      {"an id that is not one", body, {{"X-Ochopod-Body-Id", "bad id/../"}}},
      {"an id of 65 characters", body, {{"X-Ochopod-Body-Id", std::string(65, 'a')}}},
      {"a body too small to keep",
       "{\"key\":\"pod-3\",\"pods\":{}}",
       {{"X-Ochopod-Body-Id", "small"}}},
  };
  for (const auto& c : cases) {
    const auto answer = post(port(), "/control/check/5", c.body, c.headers);
    ASSERT_EQ(answer.status, 200) << c.what << ": " << answer.error;
    EXPECT_EQ(answer.json(), json({{"task", "check"}, {"key", "pod-3"}})) << c.what;
    EXPECT_EQ(answer.header("X-Ochopod-Body-Kept"), "") << c.what;
  }
  // A reference that is not an id is not held either.
  EXPECT_EQ(post(port(), "/control/on/5", "", {{"X-Ochopod-Body-Ref", "bad id/../"}}).status, 412);
  // A bad body with an id is refused, and the id is not said kept.
  const auto bad = post(port(), "/control/check/5", "{\"pods\":", {{"X-Ochopod-Body-Id", "x1"}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.header("X-Ochopod-Body-Kept"), "");
  EXPECT_EQ(post(port(), "/control/on/5", "", {{"X-Ochopod-Body-Ref", "x1"}}).status, 412);
}

// docs/protocol.md 7, "A fenced leader": a fence below the highest taken is
// refused from the header (the body is never read), counted by its code;
// equal, higher and none are handed on; a header that is no number is 400.
TEST_F(ControlServerInProcess, AStaleLeadersFenceIsRefusedFromItsHeaderBeforeTheBody) {
  start();
  const auto fenced = [&](const std::string& fence) {
    return http_post(port(), "/control/on/5", "", 5s, {{"X-Ochopod-Fence", fence}}).status;
  };
  EXPECT_EQ(fenced("10"), 200);
  EXPECT_EQ(fenced("10"), 200);
  EXPECT_EQ(http_post(port(), "/control/on/5").status, 200);
  EXPECT_EQ(controlled.load(), 3);

  // A body announced and never sent: the answer comes from the header.
  Raw raw(port());
  ASSERT_TRUE(raw.connected());
  raw.send(
      "POST /control/check/5 HTTP/1.1\r\nHost: x\r\nX-Ochopod-Fence: 9\r\n"
      "Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{\"pods\"");
  const std::string answer = raw.read_all(3s);
  EXPECT_EQ(answer.rfind("HTTP/1.1 409 ", 0), 0u) << answer;
  EXPECT_NE(answer.find("\r\n\r\n{}"), std::string::npos) << answer;
  EXPECT_TRUE(raw.closed()) << "the unread body must end the connection";
  EXPECT_EQ(controlled.load(), 3) << "a stale leader's request reached the lifecycle";

  EXPECT_EQ(fenced("nine"), 400);
  EXPECT_EQ(fenced("11"), 200);
  EXPECT_EQ(fenced("10"), 409);
  EXPECT_EQ(http_post(port(), "/control/off/5").status, 200) << "no fence: an operator's off";
  EXPECT_EQ(controlled.load(), 5);
  EXPECT_TRUE(wait_until([&] { return codes().size() == 8; }, 5s, "8 answers counted"));
  EXPECT_EQ(codes(), (std::vector<std::pair<std::string, int>>{{"on", 200},
                                                               {"on", 200},
                                                               {"on", 200},
                                                               {"check", 409},
                                                               {"on", 400},
                                                               {"on", 200},
                                                               {"on", 409},
                                                               {"off", 200}}));
}

// --tls-cert: the port's TLS is the crypto module's, moved by TlsStream
// (runtime/control/tls_stream.h).
class ControlServerOverTls : public ControlServerInProcess {
 protected:
  void SetUp() override { ASSERT_TRUE(tls.make()); }
  void start_tls(ControlServer::Options options = {}) {
    options.tls_cert = tls.cert();
    options.tls_key = tls.key();
    start(options);
  }
  std::string url() const { return "https://127.0.0.1:" + std::to_string(port()); }
  HttpRequest request(const std::string& path, std::string body) const {
    HttpRequest r;
    r.path = path;
    r.body = std::move(body);
    r.trust.ca_file = tls.ca();
    r.timeout = 10s;
    return r;
  }
  TlsFiles tls;
};

TEST_F(ControlServerOverTls, ALargeBodyInAndALargeAnswerOutArriveWholeOnOneConnection) {
  start_tls();
  // The key comes back in the answer: 300 KB out, many records and several
  // writes; the pods, with it, 400 KB in.
  json body;
  body["key"] = std::string(300000, 'k');
  json pods = json::object();
  for (int i = 0; i < 2000; ++i) {
    pods["pod-" + std::to_string(i)] = {{"ip", "10.0.0.1"}, {"port", i}};
  }
  body["pods"] = pods;
  HttpConnection connection(url());
  for (int round = 0; round < 2; ++round) {
    const auto answer = connection.send(request("/control/on/5", body.dump()));
    ASSERT_EQ(answer.status, 200) << "round " << round << ": " << answer.error;
    EXPECT_EQ(answer.json()["key"], body["key"]) << "round " << round;
    EXPECT_EQ(last_pods(), pods) << "round " << round;
    body["pods"].erase("pod-0");
    pods.erase("pod-0");
  }
  EXPECT_EQ(controlled.load(), 2);
}

TEST_F(ControlServerOverTls, PlainHttpOnTheTlsPortIsClosedAndTlsStillServed) {
  start_tls();
  Raw c(port());
  ASSERT_TRUE(c.connected());
  c.send("POST /info HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
  const std::string got = c.read_all(5s);
  EXPECT_TRUE(c.closed()) << "the connection must be closed after a bad handshake";
  EXPECT_EQ(got.find("HTTP/1.1"), std::string::npos) << "answered in plain text: " << got;
  EXPECT_EQ(controlled.load(), 0);
  const auto answer = http_send(url(), request("/info", "{}"));
  EXPECT_EQ(answer.status, 200) << answer.error;
}

TEST_F(ControlServerOverTls, AHandshakeNeverFinishedIsClosedAtTheDeadline) {
  ControlServer::Options options;
  options.request_deadline = 500ms;
  start_tls(options);
  for (const std::string& sent : {std::string(), std::string("\x16\x03\x01\x02\x00", 5)}) {
    Raw c(port());
    ASSERT_TRUE(c.connected());
    if (!sent.empty()) c.send(sent);  // a record header announcing a ClientHello, then nothing
    c.read_all(5s);
    EXPECT_TRUE(c.closed()) << (sent.empty() ? "silent" : "half a ClientHello")
                            << ": still open after 5 s with a deadline of 500 ms";
  }
  EXPECT_EQ(http_send(url(), request("/info", "{}")).status, 200);
}

}  // namespace
}  // namespace ochopod::test
