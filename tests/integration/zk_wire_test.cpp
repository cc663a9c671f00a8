// What our pods leave in ZooKeeper, read back by kazoo the way Python pods
// and ochothon read it (docs/protocol.md 1 and 7).
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <chrono>

#include "harness/cluster_probe.h"
#include "harness/kazoo_holder.h"
#include "harness/ports.h"
#include "harness/zk_fixture.h"
#include "runtime/base/unique_fd.h"

namespace ochopod::test {
namespace {

using namespace std::chrono_literals;

constexpr auto kFormation = 15s;  // JVM-side session set-up plus slack on a loaded machine

class ZkWire : public ZkTest {};

// Empty bytes, persistent: how kazoo's ensure_path leaves a node.
void expect_empty_persistent(const std::string& zk, const std::string& path) {
  const auto node = kazoo_get(zk, path);
  ASSERT_TRUE(node) << path << " missing";
  EXPECT_FALSE(node->null_data) << path << " reads as None in kazoo, not b''";
  EXPECT_EQ(node->data, "") << path;
  EXPECT_EQ(node->ephemeral_owner, 0) << path << " should be persistent";
}

TEST_F(ZkWire, EveryNodeAlongTheClustersPathsHoldsEmptyBytesNotNull) {
  auto pods = launch_pods(PodSpec(zk.connect_string()).with_session_timeout("2"), 1);
  ASSERT_TRUE(wait_until([&] { return count_leaders(pods) == 1; }, kFormation, "our pod leading"));
  for (const std::string& path :
       {std::string("/ochopod"), std::string("/ochopod/clusters"), cluster_path(),
        cluster_path() + "/pods", cluster_path() + "/coordinator"}) {
    expect_empty_persistent(zk.connect_string(), path);
  }
}

TEST_F(ZkWire, TheHashBeforeAnyRoundHoldsEmptyBytesNotNull) {
  // A kazoo lock holder keeps our pod from leading, so no round ever writes
  // the hash: it stays as our pod created it.
  KazooLockHolder holder(zk.connect_string(), cluster_path() + "/coordinator");
  ASSERT_TRUE(holder.wait_acquired(10s)) << holder.log();
  auto pods = launch_pods(PodSpec(zk.connect_string()).with_session_timeout("2"), 1);
  ASSERT_TRUE(wait_until([&] { return all_registered(zk.connect_string(), pods); }, kFormation,
                         "our pod registered"));
  expect_empty_persistent(zk.connect_string(), cluster_path() + "/hash");
  expect_empty_persistent(zk.connect_string(), cluster_path() + "/pods");
}

TEST_F(ZkWire, ANewClustersNodesAreCreatedInOneTransaction) {
  // One transaction, one zxid: the first pod of a cluster costs the server
  // one write (and one fsync) for all of them, not one each.
  auto pods = launch_pods(PodSpec(zk.connect_string()).with_session_timeout("2"), 1);
  ASSERT_TRUE(wait_until([&] { return all_registered(zk.connect_string(), pods); }, kFormation,
                         "our pod registered"));
  const auto cluster = kazoo_get(zk.connect_string(), cluster_path());
  ASSERT_TRUE(cluster) << cluster_path() << " missing";
  for (const std::string& path :
       {cluster_path() + "/pods", cluster_path() + "/hash", cluster_path() + "/coordinator"}) {
    const auto node = kazoo_get(zk.connect_string(), path);
    ASSERT_TRUE(node) << path << " missing";
    EXPECT_EQ(node->czxid, cluster->czxid) << path << " was created apart from " << cluster_path();
  }
}

TEST_F(ZkWire, ANewClustersFirstPodRegistersInTheTransactionThatMakesTheCluster) {
  // Its registration's create rides in the cluster's transaction: one write
  // fewer before a new cluster's first pod is seen. A second pod finds the
  // cluster made and registers on its own.
  auto first = launch_pods(PodSpec(zk.connect_string()).with_session_timeout("2"), 1);
  ASSERT_TRUE(wait_until([&] { return all_registered(zk.connect_string(), first); }, kFormation,
                         "the first pod registered"));
  const auto cluster = kazoo_get(zk.connect_string(), cluster_path());
  ASSERT_TRUE(cluster) << cluster_path() << " missing";
  const auto seen = registrations(zk.connect_string());
  ASSERT_EQ(seen.size(), 1u);
  const auto node = kazoo_get(zk.connect_string(), cluster_path() + "/pods/" + seen[0].node);
  ASSERT_TRUE(node) << seen[0].node << " missing";
  EXPECT_EQ(node->czxid, cluster->czxid)
      << seen[0].node << " was created apart from " << cluster_path();
  EXPECT_NE(node->ephemeral_owner, 0) << seen[0].node << " should be ephemeral";

  auto second = launch_pods(PodSpec(zk.connect_string()).with_session_timeout("2"), 1);
  ASSERT_TRUE(wait_until([&] { return all_registered(zk.connect_string(), second); }, kFormation,
                         "the second pod registered"));
  const auto both = registrations(zk.connect_string());
  ASSERT_EQ(both.size(), 2u);
  for (const auto& pod : both) {
    if (pod.node == seen[0].node) continue;
    const auto joined = kazoo_get(zk.connect_string(), cluster_path() + "/pods/" + pod.node);
    ASSERT_TRUE(joined) << pod.node << " missing";
    EXPECT_GT(joined->czxid, cluster->czxid) << pod.node << " should be a write of its own";
  }
}

TEST_F(ZkWire, APodThatCannotHaveItsControlPortLeavesNothingInZooKeeper) {
  // A pod opens its session while its control port starts, and registers
  // only once the port listens: one that cannot listen exits 1 having
  // written nothing, its session closed.
  const int port = free_port();
  detail::UniqueFd taken(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  ASSERT_TRUE(taken);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_ANY);
  ASSERT_EQ(::bind(taken.get(), reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(::listen(taken.get(), 1), 0);

  PodProcess pod(PodSpec(zk.connect_string()).with_session_timeout("2").with_control_port(port));
  const auto status = pod.wait_exit(kFormation);
  ASSERT_TRUE(status) << "still running with its control port taken:\n" << pod.output();
  ASSERT_TRUE(WIFEXITED(*status)) << "ended by signal " << WTERMSIG(*status) << ":\n"
                                  << pod.output();
  EXPECT_EQ(WEXITSTATUS(*status), 1) << pod.output();
  EXPECT_NE(pod.output().find("cannot listen"), std::string::npos) << pod.output();
  EXPECT_FALSE(kazoo_get(zk.connect_string(), cluster_path()))
      << cluster_path() << " was created by a pod that never served";
}

}  // namespace
}  // namespace ochopod::test
