// The UI's tree kept from watches on an in-memory ZooKeeper: pods joining,
// changing and leaving, the leader from the lowest lock node, the hash's
// mtime, the snapshot, odd nodes, and the session lost, back and expired.
#include "cli/ui/live/zk_watcher.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "harness/fake_zk_session.h"
#include "harness/manual_scheduler.h"

namespace ochopod::cli::ui {
namespace {

using test::FakeZkServer;
using test::FakeZkSession;
using test::ManualScheduler;

const std::string kHome = "/ochopod/clusters/shop.web";

std::string registration(int seq, const std::string& ip = "10.0.0.1") {
  return R"({"seq": )" + std::to_string(seq) + R"(, "ip": ")" + ip + R"(", "port": 8080})";
}

class UiWatcher : public ::testing::Test {
 protected:
  void SetUp() override {
    server.create("/ochopod");
    server.create("/ochopod/clusters");
    server.create(kHome);
    server.create(kHome + "/pods");
    server.create(kHome + "/coordinator");
  }

  void start() {
    watcher = std::make_unique<ZkWatcher>(
        loop,
        [this](std::chrono::milliseconds timeout, ZkSession::Sink sink,
               std::string*) -> std::unique_ptr<ZkSession> {
          auto session = server.open(std::move(sink), timeout);
          ours.push_back(session.get());
          return session;
        },
        [this](const ZkNews& n) { news.push_back(n); }, [this] { return wall; });
    std::string error;
    ASSERT_TRUE(watcher->open(&error)) << error;
    loop.run_ready();
  }

  // A pod: its own session, its registration node. Returns the node's name.
  std::string join(const std::string& uuid, int seq, const std::string& data = "") {
    pods.push_back(server.open([](ZkEvent) {}, std::chrono::seconds(10)));
    std::string created;
    EXPECT_EQ(
        pods.back()->create(kHome + "/pods/" + uuid + ".", data.empty() ? registration(seq) : data,
                            zk::ephemeral_sequential(), &created),
        0);
    loop.run_ready();
    return created.substr(created.rfind('/') + 1);
  }

  void lock(FakeZkSession& pod) {
    std::string created;
    ASSERT_EQ(pod.create(kHome + "/coordinator/0123456789abcdef0123456789abcdef__lock__", "",
                         zk::ephemeral_sequential(), &created),
              0);
    locks.push_back(created);
    loop.run_ready();
  }

  ClusterView cluster() {
    for (auto& c : watcher->clusters()) {
      if (c.name == "shop.web") return c;
    }
    ADD_FAILURE() << "no cluster";
    return {};
  }

  FakeZkServer server;
  ManualScheduler loop;
  std::vector<ZkNews> news;
  WallTime wall = 1000;
  std::vector<std::string> locks;
  std::vector<FakeZkSession*> ours;  // the watcher's sessions, newest last
  std::vector<std::unique_ptr<FakeZkSession>> pods;
  std::unique_ptr<ZkWatcher> watcher;
};

TEST_F(UiWatcher, APodJoinsAndLeaves) {
  start();
  EXPECT_TRUE(watcher->health().connected);
  EXPECT_TRUE(cluster().pods.empty());
  news.clear();
  const std::string node = join("u1", 4);
  ASSERT_EQ(cluster().pods.size(), 1u);
  EXPECT_EQ(cluster().pods[0].record.seq, 4);
  EXPECT_EQ(cluster().pods[0].record.uuid, "u1");
  EXPECT_EQ(cluster().pods[0].record.node, node);
  EXPECT_EQ(cluster().pods[0].session, pods[0]->id());
  bool fetch_news = false;
  for (const auto& n : news) fetch_news |= n.cluster == "shop.web" && n.node == node && n.fetch;
  EXPECT_TRUE(fetch_news);
  pods.clear();  // its session closes: the node goes
  loop.run_ready();
  EXPECT_TRUE(cluster().pods.empty());
}

TEST_F(UiWatcher, AnEmptyNodeIsReadAgainWhenItsDataComes) {
  start();
  const std::string node = join("u1", 0, "");
  // join() wrote a registration; make one that is still empty.
  pods.push_back(server.open([](ZkEvent) {}, std::chrono::seconds(10)));
  std::string created;
  ASSERT_EQ(pods.back()->create(kHome + "/pods/u2.", "", zk::ephemeral_sequential(), &created), 0);
  loop.run_ready();
  EXPECT_EQ(cluster().pods.size(), 1u);
  ASSERT_EQ(pods.back()->set(created, registration(7), -1, nullptr), 0);
  loop.run_ready();
  ASSERT_EQ(cluster().pods.size(), 2u);
  EXPECT_EQ(cluster().pods[1].record.seq, 7);
  // A data change is read again too.
  ASSERT_EQ(pods.back()->set(created, registration(7, "10.9.9.9"), -1, nullptr), 0);
  loop.run_ready();
  EXPECT_EQ(cluster().pods[1].record.string_field("ip"), "10.9.9.9");
}

TEST_F(UiWatcher, GarbageNodesAreSkipped) {
  start();
  join("u1", 1, "not json");
  join("u2", 2, "[1, 2]");
  join("u3", 3);
  ASSERT_EQ(cluster().pods.size(), 1u);
  EXPECT_EQ(cluster().pods[0].record.uuid, "u3");
}

TEST_F(UiWatcher, TheLeaderOwnsTheLowestLockNode) {
  start();
  join("u1", 1);
  join("u2", 2);
  EXPECT_EQ(cluster().leader(), nullptr);
  lock(*pods[1]);  // u2 first: the lowest
  lock(*pods[0]);
  ASSERT_NE(cluster().leader(), nullptr);
  EXPECT_EQ(cluster().leader()->record.uuid, "u2");
  ASSERT_EQ(server.remove(locks[0]), 0);
  loop.run_ready();
  ASSERT_NE(cluster().leader(), nullptr);
  EXPECT_EQ(cluster().leader()->record.uuid, "u1");
}

TEST_F(UiWatcher, TheHashMtimeIsWhenItWasConfigured) {
  start();
  EXPECT_EQ(cluster().configured_at, 0);
  server.clock_ms = 1'700'000'000'250;
  server.create(kHome + "/hash");  // empty: never configured
  loop.run_ready();
  EXPECT_EQ(cluster().configured_at, 0);
  news.clear();
  server.set(kHome + "/hash", "abc");
  loop.run_ready();
  EXPECT_DOUBLE_EQ(cluster().configured_at, 1'700'000'000.25);
  ASSERT_FALSE(news.empty());
  EXPECT_TRUE(news.back().fetch);
}

TEST_F(UiWatcher, TheSnapshotSaysWhichPodsWereConfigured) {
  start();
  join("u1", 1);
  join("u2", 2);
  EXPECT_EQ(cluster().snapshot_size, -1);
  server.create(kHome + "/snapshot", R"({"u1": {"seq": 1}})");
  loop.run_ready();
  EXPECT_EQ(cluster().snapshot_size, 1);
  EXPECT_TRUE(cluster().pods[0].in_snapshot);
  EXPECT_FALSE(cluster().pods[1].in_snapshot);
  server.remove(kHome + "/snapshot");
  loop.run_ready();
  EXPECT_EQ(cluster().snapshot_size, -1);
}

TEST_F(UiWatcher, DuplicateSeqsAreMarkedAndAUuidKeepsItsNewestNode) {
  start();
  join("u1", 3);
  join("u2", 3);
  join("u3", 4);
  join("u3", 5);  // registered again: the newer node wins, as in the CLI
  const auto c = cluster();
  ASSERT_EQ(c.pods.size(), 3u);
  EXPECT_TRUE(c.pods[0].duplicate_seq);
  EXPECT_TRUE(c.pods[1].duplicate_seq);
  EXPECT_EQ(c.pods[2].record.seq, 5);
  EXPECT_FALSE(c.pods[2].duplicate_seq);
}

TEST_F(UiWatcher, ClustersAppearAndGo) {
  server.remove(kHome + "/coordinator");
  server.remove(kHome + "/pods");
  server.remove(kHome);
  server.remove("/ochopod/clusters");
  start();
  EXPECT_TRUE(watcher->clusters().empty());
  server.create("/ochopod/clusters");
  server.create(kHome);
  loop.run_ready();
  ASSERT_EQ(watcher->clusters().size(), 1u);
  server.create(kHome + "/pods");
  loop.run_ready();
  join("u1", 1);
  EXPECT_EQ(cluster().pods.size(), 1u);
}

TEST_F(UiWatcher, ALostSessionIsStaleUntilBackThenReadAgain) {
  start();
  join("u1", 1);
  wall = 1234;
  FakeZkSession* mine = ours.back();
  mine->lose_connection();
  loop.run_ready();
  EXPECT_FALSE(watcher->health().connected);
  EXPECT_EQ(watcher->health().stale_since, 1234);
  join("u2", 2);  // meanwhile
  EXPECT_EQ(cluster().pods.size(), 1u);
  mine->connect();
  loop.run_ready();
  EXPECT_TRUE(watcher->health().connected);
  EXPECT_EQ(watcher->health().stale_since, 0);
  EXPECT_EQ(cluster().pods.size(), 2u);
}

TEST_F(UiWatcher, AnExpiredSessionIsReplacedAndEverythingReadAgain) {
  start();
  join("u1", 1);
  ours.back()->lose_connection();
  loop.run_ready();
  ours.back()->expire();
  join("u2", 2);           // unseen: the old session's watches died
  ours.back()->connect();  // hears it expired
  loop.run_ready();
  EXPECT_EQ(watcher->sessions_opened(), 2);
  ASSERT_EQ(ours.size(), 2u);
  EXPECT_TRUE(watcher->health().connected);
  EXPECT_EQ(cluster().pods.size(), 2u);
  // And the new session's watches work.
  join("u3", 3);
  EXPECT_EQ(cluster().pods.size(), 3u);
}

TEST_F(UiWatcher, WaitingForTheFirstSession) {
  start();
  std::string error;
  EXPECT_TRUE(watcher->wait_connected(std::chrono::milliseconds(0), &error));
  ZkWatcher refused(
      loop,
      [](std::chrono::milliseconds, ZkSession::Sink, std::string* e) {
        *e = "bad address";
        return std::unique_ptr<ZkSession>();
      },
      [](const ZkNews&) {});
  EXPECT_FALSE(refused.open(&error));
  EXPECT_EQ(error, "bad address");
}

}  // namespace
}  // namespace ochopod::cli::ui
