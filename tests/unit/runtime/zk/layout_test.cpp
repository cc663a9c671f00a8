// The ZooKeeper tree as docs/protocol.md 1 spells it, and the reading of a
// dependency's snapshot path back into its cluster.
#include "runtime/zk/layout.h"

#include <gtest/gtest.h>

namespace ochopod {
namespace {

TEST(ClusterPaths, SpellTheTreeOfProtocolSectionOne) {
  const ClusterPaths paths("shop.staging.redis");
  EXPECT_EQ(paths.root, "/ochopod/clusters");
  EXPECT_EQ(paths.cluster, "/ochopod/clusters/shop.staging.redis");
  EXPECT_EQ(paths.pods, "/ochopod/clusters/shop.staging.redis/pods");
  EXPECT_EQ(paths.pod("9f0c.0000000003"),
            "/ochopod/clusters/shop.staging.redis/pods/9f0c.0000000003");
  EXPECT_EQ(paths.hash, "/ochopod/clusters/shop.staging.redis/hash");
  EXPECT_EQ(paths.snapshot, "/ochopod/clusters/shop.staging.redis/snapshot");
  EXPECT_EQ(paths.lock, "/ochopod/clusters/shop.staging.redis/coordinator");
  EXPECT_EQ(paths.withdrawn, "/ochopod/clusters/shop.staging.redis/withdrawn");
  EXPECT_EQ(paths.withdrawn_pod("9f0c"), "/ochopod/clusters/shop.staging.redis/withdrawn/9f0c");
}

TEST(ClusterPaths, AnotherRootMovesTheWholeTree) {
  const ClusterPaths paths("ns.web", "/test/root");
  EXPECT_EQ(paths.cluster, "/test/root/ns.web");
  EXPECT_EQ(paths.snapshot, "/test/root/ns.web/snapshot");
}

TEST(ClusterPaths, ASnapshotPathNamesItsCluster) {
  EXPECT_EQ(ClusterPaths::snapshot_owner(ClusterPaths("ns.db").snapshot), "ns.db");
  EXPECT_EQ(ClusterPaths::snapshot_owner("/r/a.b.c/snapshot", "/r"), "a.b.c");
  for (const char* other : {"/ochopod/clusters/ns.db/hash", "/ochopod/clusters/snapshot",
                            "/ochopod/clusters//snapshot", "/ochopod/clustersx/ns.db/snapshot",
                            "/elsewhere/ns.db/snapshot", "/ochopod/clusters/ns.db/snapshots"}) {
    EXPECT_FALSE(ClusterPaths::snapshot_owner(other)) << other;
  }
}

}  // namespace
}  // namespace ochopod
