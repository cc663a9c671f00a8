// The control port under hostile load (issue 10, item 5), against real pods
// over real HTTP: slow clients cannot take the port, the leader's round gets
// through, queued requests whose caller got 408 never run, full queues
// answer 503, and the pod stays within its thread budget.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <future>
#include <thread>

#include "harness/cluster_probe.h"
#include "harness/kazoo.h"
#include "harness/zk_fixture.h"

namespace ochopod::test {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

// ThreadSanitizer's runtime adds a background thread of its own to every
// instrumented process (the pod under test is built like this test).
#if defined(__SANITIZE_THREAD__)
constexpr int kRuntimeThreads = 1;
#else
constexpr int kRuntimeThreads = 0;
#endif

// The pod's own threads.
int thread_count(pid_t pid) {
  int n = 0;
  for ([[maybe_unused]] const auto& entry :
       std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task"))
    ++n;
  return n - kRuntimeThreads;
}

// Connections that send a request's headers a byte at a time, never
// finishing them: each would hold a thread of a thread-per-connection server.
class SlowClients {
 public:
  SlowClients(int port, int count, int bytes_per_second) {
    for (int i = 0; i < count; ++i) {
      const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in addr{};
      addr.sin_family = AF_INET;
      addr.sin_port = htons(static_cast<uint16_t>(port));
      addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(fd);
        continue;
      }
      fds_.push_back(fd);
    }
    sender_ = std::thread([this, bytes_per_second] {
      // Far longer than what is sent in the test's window: never complete.
      const std::string header =
          "POST /info HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + std::string(200, 'a') + "\r\n\r\n";
      size_t at = 0;
      const auto step = std::chrono::milliseconds(1000 / bytes_per_second);
      auto next = Clock::now();
      std::unique_lock<std::mutex> lock(mu_);
      while (!stopping_ && at < header.size()) {
        int open = 0;
        for (int fd : fds_)
          open += ::send(fd, &header[at], 1, MSG_NOSIGNAL | MSG_DONTWAIT) == 1 ? 1 : 0;
        open_ = open;
        ++at;
        next += step;
        cv_.wait_until(lock, next, [this] { return stopping_; });
      }
    });
  }
  ~SlowClients() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    sender_.join();
    for (int fd : fds_) ::close(fd);
  }
  size_t connected() const { return fds_.size(); }
  // How many took the last byte sent (the server has not closed them).
  int open() {
    std::lock_guard<std::mutex> lock(mu_);
    return open_;
  }

 private:
  std::vector<int> fds_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  int open_ = 0;
  std::thread sender_;
};

class ControlPortLoad : public ZkTest {
 protected:
  PodSpec spec() const {
    return PodSpec(zk.connect_string())
        .with_option("--damper=0")
        .with_option("--tool=sleep=sleep")
        .with_option("--tool=echo=echo");
  }
  int hash_version() const {
    auto node = kazoo_get(zk.connect_string(), cluster_path() + "/hash");
    return node ? node->version : -1;
  }
  static bool running(int port) {
    auto info = pod_info(port, 2s);
    return info && (*info)["process"] == "running";
  }
};

TEST_F(ControlPortLoad, SixtyFourSlowClientsTakeNeitherInfoNorTheLeadersRound) {
  PodProcess first(spec());
  ASSERT_TRUE(wait_until(
      [&] { return state_of(first.control_port()) == "leader" && running(first.control_port()); },
      15s, "the first pod leading and configured"));
  const int rounds_before = hash_version();

  SlowClients slow(first.control_port(), 64, 4);
  ASSERT_EQ(slow.connected(), 64u);
  // A second pod joining: the leader's round goes through the attacked port
  // (the leader configures itself over HTTP like any other pod).
  PodProcess second(spec());

  std::vector<double> ms;
  int failures = 0;
  const auto window_end = Clock::now() + 8s;
  // A fresh client every 10 ms: a steady probe, not a flood.
  for (auto next = Clock::now(); Clock::now() < window_end; next += 10ms) {
    std::this_thread::sleep_until(next);
    const auto start = Clock::now();
    const auto reply = http_post(first.control_port(), "/info", "", 2s);
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
    if (reply.status != 200 || !reply.json().is_object()) ++failures;
  }
  EXPECT_EQ(slow.open(), 64) << "the slow clients were closed before the end of the window";
  ASSERT_FALSE(ms.empty());
  std::sort(ms.begin(), ms.end());
  const double p90 = ms[ms.size() * 9 / 10];
  const double max = ms.back();
  std::cout << "[ figures ] /info under 64 slow clients: " << ms.size() << " requests, p50 "
            << ms[ms.size() / 2] << " ms, p90 " << p90 << " ms, max " << max << " ms, " << failures
            << " failed\n";
  EXPECT_EQ(failures, 0) << "fresh clients' /info must answer 200 while slow clients hold on";
  EXPECT_LE(p90, 100.0);
  EXPECT_LE(max, 300.0);
  EXPECT_TRUE(wait_until(
      [&] { return hash_version() > rounds_before && running(second.control_port()); }, 20s,
      "the leader's round configuring the second pod while the slow clients hold on"));
}

// An `off` that takes 3 s (the child ignores SIGTERM, grace 3) holds the
// lifecycle; requests queued behind it are what the next tests look at.
class ControlQueue : public ZkTest {
 protected:
  void SetUp() override {
    ZkTest::SetUp();
    pod = std::make_unique<PodProcess>(
        PodSpec(zk.connect_string())
            .with_option("--grace=3")
            .with_child(
                {"/bin/sh", "-c", "trap '' TERM; touch trapped; while true; do sleep 0.1; done"}));
    // The child ignores SIGTERM only once its trap is set (it runs in the
    // pod's directory).
    ASSERT_TRUE(wait_until(
        [&] {
          return is_leader(port()) && process() == "running" &&
                 std::filesystem::exists(pod->dir() + "/trapped");
        },
        15s, "the pod running a child that ignores SIGTERM"));
  }
  int port() const { return pod->control_port(); }
  std::string process() const {
    auto info = pod_info(port(), 2s);
    return info ? (*info)["process"].get<std::string>() : "";
  }
  // Starts the slow `off` and returns once the lifecycle is busy with it.
  std::future<HttpReply> hold_lifecycle() {
    auto off = std::async(std::launch::async,
                          [this] { return http_post(port(), "/control/off/30", "", 30s); });
    EXPECT_TRUE(wait_until([&] { return process() == "terminating"; }, 5s,
                           "the `off` running and the child terminating"));
    return off;
  }
  std::unique_ptr<PodProcess> pod;
};

TEST_F(ControlQueue, AQueuedRequestWhoseCallerGot408NeverRuns) {
  auto off = hold_lifecycle();
  const auto on = http_post(port(), "/control/on/0.5", "", 5s);
  EXPECT_EQ(on.status, 408);
  EXPECT_EQ(on.body, "{}");
  ASSERT_EQ(off.get().status, 200);
  // The `on` was dropped: the child stays stopped (a window of twice the grace).
  EXPECT_TRUE(stays_false([&] { return process() == "running"; }, 6s,
                          "the `on` whose caller got 408 starting the child"));
  EXPECT_TRUE(log_has(port(), "dropped")) << "the drop is logged";
}

TEST_F(ControlQueue, AFullQueueAnswers503AndTheLeadersLaneStillGetsIn) {
  auto off = hold_lifecycle();
  // Ten operator requests at once behind the 3 s `off`: 8 fill their lane,
  // 2 are refused at once.
  struct Timed {
    HttpReply reply;
    std::chrono::duration<double> took;
  };
  std::vector<std::future<Timed>> queued;
  for (int i = 0; i < 10; ++i) {
    queued.push_back(std::async(std::launch::async, [this] {
      const auto start = Clock::now();
      auto reply = http_post(port(), "/control/signal/20", "{}", 25s);
      return Timed{reply, Clock::now() - start};
    }));
  }
  // A leader's request (a configuration payload) has its own lane.
  const json payload{{"pods", json::object()}, {"dependencies", json::object()}, {"key", "k"}};
  const auto check = http_post(port(), "/control/check/20", payload.dump(), 25s);
  EXPECT_NE(check.status, 503) << "the leader's lane was full of operators' requests";
  EXPECT_NE(check.status, 0) << check.error;
  EXPECT_EQ(off.get().status, 200);
  int ok = 0, refused = 0;
  for (auto& q : queued) {
    const auto t = q.get();
    ok += t.reply.status == 200 ? 1 : 0;
    if (t.reply.status == 503) {
      ++refused;
      EXPECT_EQ(t.reply.body, "{}");
      EXPECT_LT(t.took, 1.5s) << "a refusal must not wait for the lifecycle";
    }
  }
  EXPECT_EQ(ok, 8);
  EXPECT_EQ(refused, 2);
}

TEST_F(ControlPortLoad, AnIdlePodKeepsAtMostEightThreads) {
  PodProcess pod(spec());
  ASSERT_TRUE(wait_until(
      [&] { return state_of(pod.control_port()) == "leader" && running(pod.control_port()); }, 15s,
      "the pod leading and configured"));
  const int idle = thread_count(pod.pid());
  std::cout << "[ figures ] threads of an idle leader: " << idle << "\n";
  EXPECT_LE(idle, 8);

  // Load: tools, /info and /control at once. The cap: 8 + 4 tool threads.
  std::vector<std::future<HttpReply>> load;
  for (int i = 0; i < 6; ++i) {
    load.push_back(std::async(std::launch::async, [&] {
      return http_post(pod.control_port(), "/exec", "", 10s, {{"X-Shell", "sleep 1"}});
    }));
  }
  int peak = 0;
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(http_post(pod.control_port(), "/info").status, 200);
    peak = std::max(peak, thread_count(pod.pid()));
  }
  for (auto& l : load) {
    const auto reply = l.get();
    EXPECT_TRUE(reply.status == 200 || reply.status == 503) << reply.status;
  }
  std::cout << "[ figures ] peak threads under /exec load: " << peak << "\n";
  EXPECT_LE(peak, 12);
  EXPECT_TRUE(wait_until([&] { return thread_count(pod.pid()) <= 8; }, 15s,
                         "the tool threads ending once idle"));
}

}  // namespace
}  // namespace ochopod::test
