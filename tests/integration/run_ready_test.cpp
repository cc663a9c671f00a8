// `ochopod run --ready`, `--drain` and `--stop-signal` (issue 13, start and
// stop): `on` answers once the child's check passes (and a sequential leader
// rolls out one ready pod at a time), `off` waits for open connections
// within grace, the tear down sends the chosen signal. Real pods, real
// children (python's http.server as the listener), real ZooKeeper for the
// rollout.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <future>
#include <sstream>

#include "harness/cluster_probe.h"
#include "harness/files.h"
#include "harness/ports.h"
#include "harness/spawn.h"
#include "harness/temp_dir.h"
#include "harness/zk_fixture.h"

namespace ochopod::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// The child: appends its start time (epoch seconds) to `starts`, waits
// `delay` seconds, then serves HTTP on `port` (the listener the checks see).
std::vector<std::string> listener_after(const std::string& delay, int port,
                                        const std::string& starts = "/dev/null") {
  return {"/bin/sh", "-c",
          "date +%s.%N >> " + starts + "; sleep " + delay +
              "; exec /usr/bin/python3 -m http.server --bind 127.0.0.1 " + std::to_string(port)};
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// A client connection to 127.0.0.1:port, closed with the object.
class Client {
 public:
  explicit Client(int port) : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = fd_ >= 0 && ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~Client() { close(); }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;
  bool connected() const { return connected_; }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

TEST(RunReady, OnAnswers200OnceTheChildListensAbout2SecondsLater) {
  const int port = free_port();
  PodProcess pod(solo()
                     .with_option("--ready=tcp:" + std::to_string(port))
                     .with_child(listener_after("2", port)));
  const int control = pod.control_port();
  ASSERT_TRUE(wait_until([&] { return process_of(control) == "running"; }, 10s, "child running"));
  ASSERT_EQ(http_post(control, "/control/off/10", "", 15s).status, 200);
  const auto start = Clock::now();
  const auto reply = http_post(control, "/control/on/10", "", 15s);
  const double took = seconds_since(start);
  EXPECT_EQ(reply.status, 200) << reply.error;
  EXPECT_GE(took, 2.0) << "on answered before the child listened";
  EXPECT_LT(took, 6.0) << "on answered long after the child listened";
  EXPECT_EQ(http_get(port, "/").status, 200) << "the child does not serve after a ready 200";
  EXPECT_TRUE(log_has(control, "the child is ready after"));
  // Ready already: the next `on` answers at once.
  const auto again = Clock::now();
  EXPECT_EQ(http_post(control, "/control/on/10", "", 15s).status, 200);
  EXPECT_LT(seconds_since(again), 1.0);
}

TEST(RunReady, AChildThatNeverListensGets408AndKeepsRunning) {
  const int closed = free_port();
  PodProcess pod(solo().with_option("--ready=tcp:" + std::to_string(closed)));
  const int control = pod.control_port();
  ASSERT_TRUE(wait_until([&] { return process_of(control) == "running"; }, 10s, "child running"));
  const auto start = Clock::now();
  const auto reply = http_post(control, "/control/on/1", "", 10s);
  const double took = seconds_since(start);
  EXPECT_EQ(reply.status, 408);
  EXPECT_GE(took, 0.9);
  EXPECT_LT(took, 3.0);
  EXPECT_EQ(process_of(control), "running") << "the unready child was stopped";
  // The lifecycle is free again: the next request runs (and waits again).
  EXPECT_EQ(http_post(control, "/control/off/5", "", 10s).status, 200);
  EXPECT_EQ(process_of(control), "stopped");
}

TEST(RunReady, CmdChecksRunThroughTheShell) {
  TempDir dir;
  const std::string flag = dir.file("ready");
  PodProcess pod(solo().with_option("--ready=cmd:test -e " + flag));
  const int control = pod.control_port();
  ASSERT_TRUE(wait_until([&] { return process_of(control) == "running"; }, 10s, "child running"));
  auto on = std::async(std::launch::async,
                       [&] { return http_post(control, "/control/on/10", "", 15s).status; });
  EXPECT_EQ(on.wait_for(1s), std::future_status::timeout) << "on answered before the file existed";
  write_text(flag, "");
  ASSERT_EQ(on.wait_for(5s), std::future_status::ready) << "on still waiting after the file came";
  EXPECT_EQ(on.get(), 200);
}

class RunReadyRollout : public ZkTest {};

TEST_F(RunReadyRollout, ASequentialLeaderStartsEachChildOnceThePreviousIsReady) {
  TempDir dir;
  const std::string starts = dir.file("starts");
  const auto ports = free_ports(3);
  std::vector<std::unique_ptr<PodProcess>> pods;
  for (int port : ports) {
    pods.push_back(
        std::make_unique<PodProcess>(PodSpec(zk.connect_string())
                                         .with_option("--sequential")
                                         .with_option("--damper=1")
                                         .with_option("--control-timeout=10")
                                         .with_option("--ready=tcp:" + std::to_string(port))
                                         .with_child(listener_after("2", port, starts))));
  }
  std::vector<double> times;
  ASSERT_TRUE(wait_until(
      [&] {
        times.clear();
        std::istringstream in(read_text(starts));
        for (double t; in >> t;) times.push_back(t);
        return times.size() >= 3;
      },
      25s, "three children started"))
      << read_text(starts);
  std::sort(times.begin(), times.end());
  EXPECT_EQ(times.size(), 3u) << "a child started twice";
  for (size_t i = 1; i < times.size(); ++i) {
    EXPECT_GE(times[i] - times[i - 1], 2.0)
        << "child " << i << " started " << times[i] - times[i - 1]
        << " s after the previous one, before it could be ready";
  }
  for (int port : ports) {
    EXPECT_TRUE(wait_until([&] { return http_get(port, "/").status == 200; }, 5s,
                           "every child serving after the rollout"));
  }
}

// A solo pod whose child listens on port at once, drained there on a stop.
PodSpec draining_pod(int port, int grace_seconds) {
  return solo()
      .with_option("--grace=" + std::to_string(grace_seconds))
      .with_option("--drain=tcp:" + std::to_string(port))
      .with_child(listener_after("0", port));
}

testing::AssertionResult child_serving(int control, int port) {
  return wait_until(
      [&] { return process_of(control) == "running" && http_get(port, "/").status == 200; }, 10s,
      "the child serving");
}

TEST(RunDrain, OffWaitsForTheOpenConnectionThenStopsTheChild) {
  const int port = free_port();
  PodProcess pod(draining_pod(port, 20));
  const int control = pod.control_port();
  ASSERT_TRUE(child_serving(control, port));
  Client client(port);
  ASSERT_TRUE(client.connected());
  auto off = std::async(std::launch::async,
                        [&] { return http_post(control, "/control/off/30", "", 35s).status; });
  ASSERT_TRUE(wait_until([&] { return process_of(control) == "terminating"; }, 5s,
                         "/info showing terminating during the drain"));
  EXPECT_TRUE(stays_false([&] { return off.wait_for(0s) == std::future_status::ready; }, 1s,
                          "off answering while a connection is open"));
  EXPECT_EQ(http_get(port, "/").status, 200) << "the child stopped serving during the drain";
  client.close();
  ASSERT_EQ(off.wait_for(5s), std::future_status::ready) << "off still waiting after the close";
  EXPECT_EQ(off.get(), 200);
  EXPECT_EQ(process_of(control), "stopped");
  EXPECT_TRUE(log_has(control, "drained after"));
}

TEST(RunDrain, TheDrainIsBoundedByGrace) {
  const int port = free_port();
  PodProcess pod(draining_pod(port, 1));
  const int control = pod.control_port();
  ASSERT_TRUE(child_serving(control, port));
  Client client(port);
  ASSERT_TRUE(client.connected());
  const auto start = Clock::now();
  EXPECT_EQ(http_post(control, "/control/off/30", "", 35s).status, 200);
  const double took = seconds_since(start);
  EXPECT_GE(took, 0.9) << "off did not wait for the drain";
  EXPECT_LT(took, 3.5) << "the drain outlasted its grace";
  EXPECT_EQ(process_of(control), "stopped");
  EXPECT_TRUE(log_has(control, "not drained after the 1 s grace"));
}

TEST(RunDrain, ThePodsOwnSigtermDrainsFirstWithinGrace) {
  const int port = free_port();
  PodProcess pod(draining_pod(port, 20));
  const int control = pod.control_port();
  ASSERT_TRUE(child_serving(control, port));
  Client client(port);
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(pod.signal(SIGTERM));
  ASSERT_TRUE(wait_until([&] { return process_of(control) == "terminating"; }, 5s,
                         "/info showing terminating while the pod drains"));
  EXPECT_FALSE(pod.wait_exit(500ms)) << "the pod stopped with a connection still open";
  client.close();
  const auto status = pod.wait_exit(5s);
  ASSERT_TRUE(status) << "the pod did not stop once the connection closed";
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << describe_status(*status);
  EXPECT_NE(pod.output().find("drained"), std::string::npos);
}

TEST(RunStopSignal, SigquitReachesTheChildsTrap) {
  TempDir dir;
  const std::string marker = dir.file("got");
  const std::string traps = dir.file("trap-set");
  PodProcess pod(
      solo()
          .with_option("--stop-signal=SIGQUIT")
          .with_option("--grace=5")
          .with_child({"/bin/sh", "-c",
                       "trap 'echo quit > " + marker + "; exit 0' QUIT; trap 'echo term > " +
                           marker + "; exit 0' TERM; : > " + traps +
                           "; while :; do sleep 0.05; done"}));
  const int control = pod.control_port();
  ASSERT_TRUE(
      wait_until([&] { return process_of(control) == "running" && std::filesystem::exists(traps); },
                 10s, "the child running with its traps set"));
  const auto start = Clock::now();
  EXPECT_EQ(http_post(control, "/control/off/10", "", 15s).status, 200);
  EXPECT_LT(seconds_since(start), 4.0) << "the child waited out the grace: no QUIT seen";
  EXPECT_EQ(read_text(marker), "quit\n");
}

}  // namespace
}  // namespace ochopod::test
