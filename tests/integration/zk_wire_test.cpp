// What our pods leave in ZooKeeper, read back by kazoo the way Python pods
// and ochothon read it (docs/protocol.md 1 and 7).
#include <gtest/gtest.h>

#include <chrono>

#include "harness/cluster_probe.h"
#include "harness/kazoo_holder.h"
#include "harness/zk_fixture.h"

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

}  // namespace
}  // namespace ochopod::test
