// ZkSession::ensure_paths against the in-memory ZooKeeper: what it asks the
// server, what it creates and in which order, and a node another client
// creates in between.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "harness/fake_zk_session.h"
#include "runtime/zk/session.h"

namespace ochopod {
namespace {

using namespace std::chrono_literals;
using test::FakeZkServer;

constexpr char kCluster[] = "/ochopod/clusters/ns.c";
const std::vector<std::string> kPaths = {"/ochopod/clusters/ns.c/pods",
                                         "/ochopod/clusters/ns.c/hash",
                                         "/ochopod/clusters/ns.c/coordinator"};

class EnsurePaths : public ::testing::Test {
 protected:
  void SetUp() override {
    session = server.open([](ZkEvent) {}, 5s);
    server.before_call = [this](const std::string& call, const std::string& path) {
      calls.emplace_back(call, path);
    };
  }

  std::vector<std::string> paths_of(const std::string& call) const {
    std::vector<std::string> out;
    for (const auto& [c, path] : calls) {
      if (c == call) out.push_back(path);
    }
    return out;
  }

  FakeZkServer server;
  std::unique_ptr<test::FakeZkSession> session;
  std::vector<std::pair<std::string, std::string>> calls;
};

// Every node along the paths, each once, parents first: what one batch asks.
const std::string kAllNodes = std::string("/ochopod /ochopod/clusters ") + kCluster + " " +
                              kPaths[0] + " " + kPaths[1] + " " + kPaths[2];

TEST_F(EnsurePaths, ANewClustersNodesAreAskedAboutInOneBatchAndCreatedParentsFirst) {
  ASSERT_EQ(server.create("/ochopod"), 0);
  std::vector<std::string> created;
  ASSERT_EQ(session->ensure_paths(kPaths, &created), 0);
  // One round trip for the reads, however many nodes are missing.
  EXPECT_EQ(paths_of("batch"), std::vector<std::string>{kAllNodes});
  const std::vector<std::string> wanted = {"/ochopod/clusters", kCluster, kPaths[0], kPaths[1],
                                           kPaths[2]};
  EXPECT_EQ(paths_of("create"), wanted);
  EXPECT_EQ(created, wanted);
  for (const auto& path : wanted) {
    EXPECT_EQ(server.data(path), "") << path << " should hold empty bytes";
    EXPECT_EQ(server.owner(path), 0) << path << " should be persistent";
  }
}

TEST_F(EnsurePaths, PathsThatExistCostOneBatchAndCreateNothing) {
  for (const char* path : {"/ochopod", "/ochopod/clusters", kCluster}) {
    ASSERT_EQ(server.create(path), 0);
  }
  for (const auto& path : kPaths) ASSERT_EQ(server.create(path), 0);
  std::vector<std::string> created = {"left over"};
  ASSERT_EQ(session->ensure_paths(kPaths, &created), 0);
  EXPECT_EQ(paths_of("batch"), std::vector<std::string>{kAllNodes});
  EXPECT_TRUE(paths_of("create").empty());
  EXPECT_EQ(created, (std::vector<std::string>{"left over"})) << "only a creating call sets it";
}

TEST_F(EnsurePaths, ANodeAnotherClientCreatesMeanwhileIsAskedAboutAgain) {
  for (const char* path : {"/ochopod", "/ochopod/clusters"}) ASSERT_EQ(server.create(path), 0);
  bool raced = false;
  server.before_call = [&](const std::string& call, const std::string& path) {
    calls.emplace_back(call, path);
    if (call == "create" && path == kCluster && !raced) {
      raced = true;
      ASSERT_EQ(server.create(kCluster), 0);  // another pod of the cluster, first
    }
  };
  ASSERT_EQ(session->ensure_paths(kPaths), 0);
  EXPECT_TRUE(raced);
  for (const auto& path : kPaths) EXPECT_TRUE(server.exists(path)) << path;
  // The second pass asked again, found the cluster's node and created what
  // was below it.
  EXPECT_EQ(paths_of("batch").size(), 2u);
  EXPECT_EQ(paths_of("create").back(), kPaths[2]);
}

TEST_F(EnsurePaths, AFailureOtherThanNodeExistsIsReturned) {
  server.refuse_writes_under = "/ochopod";
  ASSERT_EQ(server.create("/ochopod"), 0);
  EXPECT_TRUE(zk::not_authorized(session->ensure_paths(kPaths)));
  EXPECT_FALSE(server.exists(kCluster));
}

TEST_F(EnsurePaths, ThenIsCreatedAfterTheMissingNodesItsParentAmongThem) {
  ASSERT_EQ(server.create("/ochopod"), 0);
  ZkCreate then{kPaths[0] + "/pod.", zk::ephemeral_sequential(), {}};
  std::vector<std::string> created;
  ASSERT_EQ(session->ensure_paths(kPaths, &created, &then), 0);
  EXPECT_EQ(paths_of("create").back(), then.path);
  EXPECT_EQ(then.created, kPaths[0] + "/pod.0000000000");
  EXPECT_EQ(server.owner(then.created), session->id()) << "should be ephemeral";
  EXPECT_EQ(created.size(), 5u) << "lists the paths' nodes only";
  EXPECT_EQ(std::count(created.begin(), created.end(), then.created), 0);
}

TEST_F(EnsurePaths, ThenIsCreatedAloneWhenNothingIsMissing) {
  for (const char* path : {"/ochopod", "/ochopod/clusters", kCluster}) {
    ASSERT_EQ(server.create(path), 0);
  }
  for (const auto& path : kPaths) ASSERT_EQ(server.create(path), 0);
  ZkCreate then{kPaths[0] + "/pod.", zk::ephemeral_sequential(), {}};
  ASSERT_EQ(session->ensure_paths(kPaths, nullptr, &then), 0);
  EXPECT_EQ(paths_of("create"), std::vector<std::string>{then.path});
  EXPECT_EQ(then.created, kPaths[0] + "/pod.0000000000");
}

TEST_F(EnsurePaths, ThenIsNotCreatedWhenThePathsCannotBe) {
  server.refuse_writes_under = "/ochopod";
  ASSERT_EQ(server.create("/ochopod"), 0);
  ZkCreate then{kPaths[0] + "/pod.", zk::ephemeral_sequential(), {}};
  EXPECT_TRUE(zk::not_authorized(session->ensure_paths(kPaths, nullptr, &then)));
  EXPECT_TRUE(then.created.empty());
  const auto creates = paths_of("create");
  EXPECT_EQ(std::count(creates.begin(), creates.end(), then.path), 0);
}

}  // namespace
}  // namespace ochopod
