// Fenced leaders (issue 30; docs/protocol.md 7, "A fenced leader"): real
// ZooKeeper, real pods. A leader's requests carry X-Ochopod-Fence, the czxid
// of its lock node; a pod refuses (409) a fence below the highest it took,
// takes an equal or higher one, and takes a request without one (a Python
// leader, an operator) as before. The fences are read from ZooKeeper through
// kazoo, what the pods received from their debug log and /metrics.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "harness/cluster_probe.h"
#include "harness/zk_fixture.h"
#include "runtime/zk/address.h"
#include "runtime/zk/session.h"

namespace ochopod::test {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

// Three pods registered, led and configured, with a 0.5 s damper and a 2 s
// session: well within this.
constexpr auto kFormation = 15s;

class Fencing : public ZkTest {
 protected:
  PodSpec spec() const {
    return PodSpec(zk.connect_string())
        .with_option("--damper=0.5")
        .with_option("--control-timeout=5")
        .with_env("ochopod_debug", "true");
  }

  // Every pod's child runs and the snapshot lists them all: a round is through.
  bool formed(const Pods& pods) const {
    for (const auto& p : pods) {
      if (process_of(p->control_port()) != "running") return false;
    }
    const auto snapshot = kazoo_get(zk.connect_string(), cluster_path() + "/snapshot");
    return snapshot && json::parse(snapshot->data, nullptr, false).size() == pods.size() &&
           count_leaders(pods) == 1;
  }

  // The lock node first in line (its leader's), "" when there is none.
  std::string first_in_line() const {
    const auto names = lock_nodes(zk.connect_string());
    std::string first;
    for (const auto& name : names) {
      if (first.empty() ||
          name.substr(name.rfind("__lock__")) < first.substr(first.rfind("__lock__"))) {
        first = name;
      }
    }
    return first;
  }

  // The czxid of a lock node: the fence of its leadership (0 if it is gone).
  uint64_t fence_of(const std::string& lock_node) const {
    const auto node = kazoo_get(zk.connect_string(), cluster_path() + "/coordinator/" + lock_node);
    return node ? static_cast<uint64_t>(node->czxid) : 0;
  }

  // What a pod logs for a fenced request it took (debug).
  static std::string took(const std::string& task, uint64_t fence) {
    return "control: " + task + " from the leader of fence " + std::to_string(fence);
  }

  // /metrics' count of /control/<task> answered with code, 0 if none.
  static long answered(int port, const std::string& task, int code) {
    const auto reply = http_get(port, "/metrics");
    const std::string key = "ochopod_control_requests_total{task=\"" + task + "\",code=\"" +
                            std::to_string(code) + "\"} ";
    const size_t at = reply.body.find(key);
    return at == std::string::npos ? 0 : std::stol(reply.body.substr(at + key.size()));
  }

  // n writes of our own: zxids the next history will not reach soon.
  void spend_zxids(int n) const {
    std::string error;
    const auto address = parse_zk_address(zk.connect_string(), &error);
    ASSERT_TRUE(address) << error;
    auto session = ZkSession::open(
        *address, 10000ms, [](ZkEvent) {}, &error);
    ASSERT_TRUE(session) << error;
    ASSERT_TRUE(wait_until([&] { return zk::ok(session->ensure_path("/spent")); }, 10s,
                           "a session of our own creating /spent"));
    for (int i = 0; i < n; ++i) ASSERT_TRUE(zk::ok(session->set("/spent", std::to_string(i))));
  }

  static HttpReply on(int port, const std::optional<std::string>& fence) {
    HttpHeaders headers;
    if (fence) headers["X-Ochopod-Fence"] = *fence;
    return http_post(port, "/control/on/5", "", 10s, headers);
  }
};

// A pod takes its leader's fence and an unfenced request, and refuses a
// lower fence with 409 {} and one that is not a number with 400; /info
// keeps its shape.
TEST_F(Fencing, AStaleFenceIsRefusedTheLeadersGoesThroughAndNoFenceIsTakenAsBefore) {
  auto pods = launch_pods(spec(), 2);
  ASSERT_TRUE(wait_until(ignoring_errors([&] { return formed(pods); }), kFormation,
                         "two pods running, led and in the snapshot"));
  const std::string lock = first_in_line();
  ASSERT_FALSE(lock.empty());
  const uint64_t fence = fence_of(lock);
  ASSERT_GT(fence, 0u);
  PodProcess* follower = pods[0].get() == leader_of(pods) ? pods[1].get() : pods[0].get();
  const int port = follower->control_port();
  // The round reached it with the leader's fence, every phase.
  for (const char* task : {"check", "on", "ok"}) {
    EXPECT_NE(follower->output().find(took(task, fence)), std::string::npos)
        << "no fenced " << task << " in the follower's log:\n"
        << follower->output();
  }

  const long refused_before = answered(port, "on", 409);
  const auto stale = on(port, std::to_string(fence - 1));
  EXPECT_EQ(stale.status, 409);
  EXPECT_EQ(stale.body, "{}");
  EXPECT_EQ(answered(port, "on", 409), refused_before + 1);
  EXPECT_TRUE(wait_until(
      [&] {
        return follower->output().find("a stale leader (fence " + std::to_string(fence - 1) +
                                       ", the highest accepted is " + std::to_string(fence)) !=
               std::string::npos;
      },
      5s, "the refusal logged with both fences"));

  EXPECT_EQ(on(port, std::to_string(fence)).status, 200) << "the leader's own fence";
  EXPECT_EQ(on(port, std::nullopt).status, 200) << "a Python leader's or an operator's on";
  EXPECT_EQ(on(port, "soon").status, 400);
  EXPECT_EQ(on(port, "-1").status, 400);

  const auto info = pod_info(port);
  ASSERT_TRUE(info);
  std::vector<std::string> keys;
  for (auto it = info->begin(); it != info->end(); ++it) keys.push_back(it.key());
  EXPECT_EQ(keys, (std::vector<std::string>{"application", "dependencies", "ip", "metrics", "node",
                                            "port", "ports", "process", "public", "state", "status",
                                            "task"}));
}

// The leader's lock node is deleted behind its back: it hears so and
// follows, the next in line leads with a higher fence, and its round (a pod
// joins) reaches every pod with it; the deposed leader's fence, replayed, is
// refused.
TEST_F(Fencing, ADeposedLeadersFenceIsRefusedOnceItsSuccessorReachedThePods) {
  auto pods = launch_pods(spec(), 2);
  ASSERT_TRUE(wait_until(ignoring_errors([&] { return formed(pods); }), kFormation,
                         "two pods running, led and in the snapshot"));
  PodProcess* old_leader = leader_of(pods);
  ASSERT_NE(old_leader, nullptr);
  const std::string old_lock = first_in_line();
  const uint64_t old_fence = fence_of(old_lock);
  ASSERT_GT(old_fence, 0u);

  ASSERT_TRUE(kazoo_delete(zk.connect_string(), cluster_path() + "/coordinator/" + old_lock));
  PodProcess* new_leader = nullptr;
  ASSERT_TRUE(wait_until(ignoring_errors([&] {
                           new_leader = leader_of(pods);
                           return new_leader != nullptr && new_leader != old_leader &&
                                  state_of(old_leader->control_port()) == "follower";
                         }),
                         kFormation, "the other pod leading and the deposed one following"));
  const std::string new_lock = first_in_line();
  ASSERT_NE(new_lock, old_lock);
  const uint64_t new_fence = fence_of(new_lock);
  EXPECT_GT(new_fence, old_fence);

  // A pod joins: the new leader's round reaches the three with its fence.
  pods.push_back(std::make_unique<PodProcess>(spec()));
  ASSERT_TRUE(wait_until(ignoring_errors([&] { return formed(pods); }), kFormation,
                         "three pods running, led and in the snapshot"));
  for (const auto& p : pods) {
    EXPECT_NE(p->output().find(took("on", new_fence)), std::string::npos)
        << "pod on " << p->control_port() << " got no on with the new fence";
    EXPECT_GE(answered(p->control_port(), "ok", 200), 1);
  }

  // The deposed leader's requests, replayed: refused everywhere, while the
  // new leader's fence goes through.
  for (const auto& p : pods) {
    EXPECT_EQ(on(p->control_port(), std::to_string(old_fence)).status, 409)
        << "pod on " << p->control_port();
    EXPECT_EQ(answered(p->control_port(), "on", 409), 1);
    EXPECT_EQ(on(p->control_port(), std::to_string(new_fence)).status, 200);
  }
}

// ZooKeeper rebuilt without its data while the pods run (a server without a
// persistent volume): zxids start over, and with them the leaders' fences.
// Each pod sees it when it registers anew (its node's czxid is below the
// highest fence it took) and takes the new leader's small fence: the
// cluster forms again.
TEST_F(Fencing, AZooKeeperRebuiltWithoutItsDataStartsTheFencesOver) {
  spend_zxids(300);
  auto pods = launch_pods(spec(), 2);
  ASSERT_TRUE(wait_until(ignoring_errors([&] { return formed(pods); }), kFormation,
                         "two pods running, led and in the snapshot"));
  const uint64_t old_fence = fence_of(first_in_line());
  ASSERT_GT(old_fence, 300u);
  for (const auto& p : pods) {
    ASSERT_TRUE(
        wait_until([&] { return p->output().find(took("ok", old_fence)) != std::string::npos; }, 5s,
                   "every pod took the first leader's fence"));
  }

  zk.stop();
  for (const auto& entry : std::filesystem::directory_iterator(zk.data_dir())) {
    std::filesystem::remove_all(entry.path());
  }
  zk.start();
  ASSERT_TRUE(wait_until(ignoring_errors([&] { return formed(pods); }), kFormation + kFormation,
                         "the two pods registered, led and configured again in the new history"));
  const uint64_t new_fence = fence_of(first_in_line());
  EXPECT_LT(new_fence, old_fence) << "the new history's fences must start low for this test";
  for (const auto& p : pods) {
    EXPECT_NE(p->output().find("ZooKeeper's history started over"), std::string::npos)
        << "pod on " << p->control_port() << ":\n"
        << p->output();
    EXPECT_NE(p->output().find(took("ok", new_fence)), std::string::npos)
        << "pod on " << p->control_port() << " took no ok of the new leader";
  }
}

}  // namespace
}  // namespace ochopod::test
