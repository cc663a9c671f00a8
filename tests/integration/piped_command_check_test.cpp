// run_shell_command() and health_check(): the checks `ochopod run --sanity`
// and `--health` are built on.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <thread>

#include "models/checks/health_check.h"
#include "ochopod/shell_command.h"
#include "piped_fixture.h"

namespace ochopod::test {
namespace {

using Clock = std::chrono::steady_clock;

class PipedCommandCheck : public ::testing::Test {
 protected:
  Reaper reaper;
  SignalThread signals{reaper, [](int) {}};
};

// A listening socket on 127.0.0.1, any free port; closed on destruction.
class Listener {
 public:
  Listener() : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(::listen(fd_, 16), 0);
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
  }
  ~Listener() { ::close(fd_); }
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;
  int fd() const { return fd_; }
  int port() const { return port_; }

 private:
  int fd_;
  int port_ = 0;
};

// The smallest HTTP server that will do: GET /ok -> 200, anything else -> 503.
// Independent of the client under test (cpp-httplib). Serves until destroyed.
class TinyHttpServer {
 public:
  TinyHttpServer() : thread_([this] { serve(); }) {}
  ~TinyHttpServer() {
    ::shutdown(listener_.fd(), SHUT_RDWR);  // wakes accept()
    thread_.join();
  }
  int port() const { return listener_.port(); }

 private:
  void serve() {
    for (;;) {
      const int conn = ::accept(listener_.fd(), nullptr, nullptr);
      if (conn < 0) return;
      std::string request;
      char buf[1024];
      while (request.find("\r\n\r\n") == std::string::npos) {
        const ssize_t n = ::read(conn, buf, sizeof buf);
        if (n <= 0) break;
        request.append(buf, static_cast<size_t>(n));
      }
      const bool ok = request.rfind("GET /ok ", 0) == 0;
      const std::string body = ok ? "fine" : "sick";
      const std::string response = std::string("HTTP/1.1 ") +
                                   (ok ? "200 OK" : "503 Service Unavailable") +
                                   "\r\nContent-Length: 4\r\nConnection: close\r\n\r\n" + body;
      if (::write(conn, response.data(), response.size()) < 0) {
        ADD_FAILURE() << "write failed";
      }
      ::close(conn);
    }
  }

  Listener listener_;
  std::thread thread_;
};

TEST_F(PipedCommandCheck, CapturesExitCodeStdoutAndStderr) {
  const auto result = run_shell_command("echo hi; echo oops >&2; exit 3", 5s);
  EXPECT_FALSE(result.timed_out);
  ASSERT_TRUE(WIFEXITED(result.wait_status));
  EXPECT_EQ(WEXITSTATUS(result.wait_status), 3);
  EXPECT_EQ(result.out, "hi\n");
  EXPECT_EQ(result.err, "oops\n");
  EXPECT_FALSE(result.succeeded());
  EXPECT_TRUE(run_shell_command("true", 5s).succeeded());
}

TEST_F(PipedCommandCheck, LargeOutputOnBothStreamsDoesNotDeadlock) {
  const auto result = run_shell_command(
      "head -c 300000 /dev/zero | tr '\\0' e >&2; head -c 300000 /dev/zero | tr '\\0' o", 10s);
  EXPECT_TRUE(result.succeeded());
  EXPECT_EQ(result.out.size(), 300000u);
  EXPECT_EQ(result.err.size(), 300000u);
}

TEST_F(PipedCommandCheck, TimeoutKillsTheWholeGroup) {
  const auto timeout = std::chrono::duration<double>(0.3);
  const auto start = Clock::now();
  const auto result = run_shell_command("echo $$; sleep 1000 & sleep 1000; wait", timeout);
  const auto elapsed = Clock::now() - start;
  EXPECT_TRUE(result.timed_out);
  EXPECT_FALSE(result.succeeded());
  EXPECT_TRUE(WIFSIGNALED(result.wait_status));
  EXPECT_LT(elapsed, after(timeout, 1500ms));
  const pid_t pgid = std::stoi(result.out);
  EXPECT_TRUE(wait_until([&] { return !group_alive(pgid); }, 2000ms, "the group gone"));
}

TEST_F(PipedCommandCheck, BackgroundLeftoversDoNotHoldTheCheck) {
  const auto start = Clock::now();
  const auto result = run_shell_command("sleep 1000 & echo $$", 10s);
  EXPECT_LT(Clock::now() - start, 2000ms);
  EXPECT_TRUE(result.succeeded());
  const pid_t pgid = std::stoi(result.out);
  EXPECT_TRUE(wait_until([&] { return !group_alive(pgid); }, 2000ms, "leftovers killed"));
}

TEST_F(PipedCommandCheck, HttpHealth) {
  TinyHttpServer server;
  const std::string base = "http://127.0.0.1:" + std::to_string(server.port());
  EXPECT_EQ(health_check(base + "/ok", 2s), std::nullopt);
  const auto sick = health_check(base + "/health", 2s);
  ASSERT_TRUE(sick.has_value());
  EXPECT_NE(sick->find("503"), std::string::npos) << *sick;
}

TEST_F(PipedCommandCheck, HttpHealthFailsWhenNothingListens) {
  int port = 0;
  { port = Listener().port(); }  // a port that was free a moment ago, now closed
  EXPECT_TRUE(health_check("http://127.0.0.1:" + std::to_string(port) + "/ok", 1s).has_value());
}

TEST_F(PipedCommandCheck, HttpHealthTimesOutOnASilentServer) {
  Listener silent;  // accepts (backlog) but never answers
  const auto timeout = std::chrono::duration<double>(0.3);
  const auto start = Clock::now();
  EXPECT_TRUE(health_check("http://127.0.0.1:" + std::to_string(silent.port()) + "/ok", timeout)
                  .has_value());
  EXPECT_LT(Clock::now() - start, after(timeout, 1500ms));
}

TEST_F(PipedCommandCheck, TcpHealth) {
  int closed_port = 0;
  {
    Listener listener;
    closed_port = listener.port();
    EXPECT_EQ(health_check("tcp:" + std::to_string(listener.port()), 1s), std::nullopt);
  }
  EXPECT_TRUE(health_check("tcp:" + std::to_string(closed_port), 1s).has_value());
}

TEST_F(PipedCommandCheck, BadSpecsFail) {
  EXPECT_TRUE(health_check("ftp://127.0.0.1:21/", 1s).has_value());
  EXPECT_TRUE(health_check("tcp:notaport", 1s).has_value());
  EXPECT_TRUE(health_check("http://127.0.0.1/ok", 1s).has_value());
}

// Names are refused before any lookup: the check runs on the lifecycle thread.
TEST_F(PipedCommandCheck, HealthRefusesNamesWithoutLookingThemUp) {
  const auto error = health_check("http://unresolvable.invalid:80/", 1s);
  ASSERT_TRUE(error.has_value());
  EXPECT_NE(error->find("is not an IP address"), std::string::npos) << *error;
  const auto tcp = health_check("tcp:unresolvable.invalid:80", 1s);
  ASSERT_TRUE(tcp.has_value());
  EXPECT_NE(tcp->find("is not an IP address"), std::string::npos) << *tcp;
}

TEST_F(PipedCommandCheck, TcpHealthOnAnAddressLiteral) {
  Listener listener;
  EXPECT_EQ(health_check("tcp:127.0.0.1:" + std::to_string(listener.port()), 1s), std::nullopt);
  EXPECT_EQ(health_check("tcp:localhost:" + std::to_string(listener.port()), 1s), std::nullopt);
}

}  // namespace
}  // namespace ochopod::test
