// The runtime's one HTTP client against a real server on loopback.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "runtime/http/client.h"

namespace ochopod {
namespace {

using namespace std::chrono_literals;

class HttpClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.Get("/hello", [](const httplib::Request& req, httplib::Response& res) {
      res.set_content("{\"x\":\"" + req.get_header_value("X-Test") + "\"}", "application/json");
    });
    server_.Post("/echo", [](const httplib::Request& req, httplib::Response& res) {
      res.status = 201;
      res.set_content(req.body + "|" + req.get_header_value("Content-Type"), "text/plain");
    });
    server_.Post("/slow", [this](const httplib::Request&, httplib::Response& res) {
      while (!release_) std::this_thread::sleep_for(10ms);
      res.set_content("late", "text/plain");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    ASSERT_GT(port_, 0);
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // stop() before listen starts would be lost, and TearDown's join would hang.
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!server_.is_running() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(1ms);
    }
    ASSERT_TRUE(server_.is_running()) << "the test server did not start within 10 s";
  }
  void TearDown() override {
    release_ = true;
    server_.stop();
    thread_.join();
  }

  httplib::Server server_;
  std::thread thread_;
  std::atomic<bool> release_{false};
  int port_ = 0;
};

// Refuses, or records the stopper so the test can cut the request short.
class Hook : public HttpCancelHook {
 public:
  explicit Hook(bool admit) : admit_(admit) {}
  bool admit(std::function<void()> stop, uint64_t* id) override {
    if (!admit_) return false;
    *id = 1;
    std::lock_guard lock(mu_);
    stop_ = std::move(stop);
    return true;
  }
  void leave(uint64_t) override {
    std::lock_guard lock(mu_);
    stop_ = nullptr;
    left_ = true;
  }
  bool stop() {
    std::lock_guard lock(mu_);
    if (!stop_) return false;
    stop_();
    return true;
  }
  bool left() {
    std::lock_guard lock(mu_);
    return left_;
  }

 private:
  const bool admit_;
  std::mutex mu_;
  std::function<void()> stop_;
  bool left_ = false;
};

TEST_F(HttpClientTest, GetWithHeadersAndPostWithABodyGiveStatusAndBody) {
  HttpRequest get;
  get.method = HttpRequest::Method::kGet;
  get.path = "/hello";
  get.headers = {{"X-Test", "yes"}};
  auto answer = http_send("127.0.0.1", port_, get);
  EXPECT_EQ(answer.status, 200) << answer.error;
  EXPECT_EQ(answer.json()["x"], "yes");

  HttpRequest post;
  post.path = "/echo";
  post.body = "{}";
  answer = http_send("http://127.0.0.1:" + std::to_string(port_), post);
  EXPECT_EQ(answer.status, 201) << answer.error;
  EXPECT_EQ(answer.body, "{}|application/json");
  EXPECT_TRUE(answer.json().is_discarded());
}

// The leader sends one phase's large body to every pod as shared pieces: the
// server must see them back to back, empty ones and ones far larger than a
// socket write included, with the Content-Length of the whole.
TEST_F(HttpClientTest, BodyPartsArriveAsOneBodyInOrder) {
  const std::string big(3 * 1024 * 1024 + 7, 'x');
  const std::string key = "\"pod-1\"";
  HttpRequest post;
  post.path = "/echo";
  post.body_parts = {"{\"key\":", key, "", ",\"pods\":\"", big, "\"}"};
  const auto answer = http_send("127.0.0.1", port_, post);
  ASSERT_EQ(answer.status, 201) << answer.error;
  EXPECT_EQ(answer.body, "{\"key\":" + key + ",\"pods\":\"" + big + "\"}|application/json");
}

TEST(HttpClient, NothingListeningIsStatusZeroWithAReason) {
  int port = 0;
  {  // a port that was free a moment ago, bound but never listened on, and closed
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_GE(fd, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof addr;
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), size), 0);
    ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &size), 0);
    port = ntohs(addr.sin_port);
    ::close(fd);
  }
  HttpRequest get;
  get.method = HttpRequest::Method::kGet;
  get.path = "/hello";
  get.timeout = 2s;
  const auto answer = http_send("127.0.0.1", port, get);
  EXPECT_EQ(answer.status, 0);
  EXPECT_EQ(answer.error, "connection refused");
}

TEST_F(HttpClientTest, ASilentServerIsCutAtTheReadTimeout) {
  HttpRequest post;
  post.path = "/slow";
  post.timeout = 300ms;
  const auto start = std::chrono::steady_clock::now();
  const auto answer = http_send("127.0.0.1", port_, post);
  EXPECT_EQ(answer.status, 0);
  EXPECT_FALSE(answer.error.empty());
  EXPECT_LT(std::chrono::steady_clock::now() - start, 300ms + 5s);
}

TEST_F(HttpClientTest, AHookThatRefusesKeepsTheRequestUnsent) {
  Hook hook(false);
  HttpRequest post;
  post.path = "/echo";
  post.cancel = &hook;
  const auto answer = http_send("127.0.0.1", port_, post);
  EXPECT_TRUE(answer.cancelled);
  EXPECT_EQ(answer.status, 0);
  EXPECT_FALSE(hook.left());
}

TEST_F(HttpClientTest, TheHooksStopperCutsARequestInFlightShort) {
  Hook hook(true);
  HttpRequest post;
  post.path = "/slow";
  post.timeout = 60s;
  post.cancel = &hook;
  std::atomic<bool> done{false};
  HttpAnswer answer;
  std::thread caller([&] {
    answer = http_send("127.0.0.1", port_, post);
    done = true;
  });
  // The stopper may run before the socket exists: call it until the request returns.
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!done && std::chrono::steady_clock::now() < deadline) {
    hook.stop();
    std::this_thread::sleep_for(20ms);
  }
  caller.join();
  EXPECT_TRUE(done) << "the stopper did not cut the request within 10 s (timeout 60 s)";
  EXPECT_EQ(answer.status, 0);
  EXPECT_TRUE(hook.left());
}

}  // namespace
}  // namespace ochopod
