// The hub as the HTTP threads see it: started on an in-memory ZooKeeper,
// publishing coalesced snapshots that join the tree with the pods' answers,
// the timeline and the actions; manual schedulers, a fake fetcher.
#include "cli/ui/live/hub.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "harness/fake_zk_session.h"
#include "harness/manual_scheduler.h"

namespace ochopod::cli::ui {
namespace {

using namespace std::chrono_literals;
using test::FakeZkServer;
using test::FakeZkSession;
using test::ManualScheduler;

const std::string kHome = "/ochopod/clusters/shop.web";

class UiHub : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const auto& path : {std::string("/ochopod"), std::string("/ochopod/clusters"), kHome,
                             kHome + "/pods", kHome + "/coordinator"}) {
      server.create(path);
    }
    join("u1", 1);
    HubSettings settings;
    settings.zk = "zk1:2181";
    settings.factory = server.factory();
    HubParts parts;
    parts.loop = &loop;
    parts.fetch_loop = &fetch;
    parts.fetcher = [this](const FetchCall& call) {
      std::lock_guard lock(mutex);
      ++calls;
      PodResult r;
      r.ok = true;
      r.data["info"] = {{"process", process}};
      (void)call;
      return r;
    };
    parts.clock = [this] { return wall; };
    hub = std::make_unique<Hub>(
        settings, [this](SnapshotPtr s) { published.push_back(s); }, std::move(parts));
  }

  void join(const std::string& uuid, int seq) {
    pods.push_back(server.open([](ZkEvent) {}, 10s));
    pods.back()->create(kHome + "/pods/" + uuid + ".", R"({"seq": )" + std::to_string(seq) + "}",
                        zk::ephemeral_sequential(), nullptr);
  }

  // Lets the loop, the fetches and the publish timer run.
  void settle() {
    for (int i = 0; i < 3; ++i) {
      loop.run_ready();
      fetch.run_ready();
      loop.advance(100ms);
    }
  }

  FakeZkServer server;
  ManualScheduler loop;
  ManualScheduler fetch;
  std::mutex mutex;
  int calls = 0;
  std::string process = "running";
  WallTime wall = 500;
  std::vector<SnapshotPtr> published;
  std::vector<std::unique_ptr<FakeZkSession>> pods;
  std::unique_ptr<Hub> hub;
};

TEST_F(UiHub, StartsPublishesTheTreeWithTheAnswers) {
  EXPECT_EQ(hub->snapshot()->version, 0u);
  std::string error;
  ASSERT_TRUE(hub->start(1s, &error)) << error;
  settle();
  const SnapshotPtr s = hub->snapshot();
  EXPECT_GE(s->version, 1u);
  EXPECT_EQ(s->at, 500);
  EXPECT_TRUE(s->zk.connected);
  EXPECT_EQ(s->zk.address, "zk1:2181");
  ASSERT_NE(s->pod("shop.web", 1), nullptr);
  EXPECT_TRUE(s->pod("shop.web", 1)->info.result.ok);
  EXPECT_TRUE(s->events.empty());  // what was there at start did not "join"
  ASSERT_EQ(hub->pods_of("shop.web").size(), 1u);
  EXPECT_EQ(published.back(), s);
}

TEST_F(UiHub, PublishesAreCoalescedAndVersionsGrow) {
  std::string error;
  ASSERT_TRUE(hub->start(1s, &error));
  settle();
  const size_t before = published.size();
  const uint64_t version = hub->snapshot()->version;
  join("u2", 2);
  join("u3", 3);
  loop.run_ready();
  EXPECT_EQ(published.size(), before);  // not at once
  loop.advance(50ms);
  ASSERT_EQ(published.size(), before + 1);  // within 50 ms, once for both
  EXPECT_EQ(hub->snapshot()->version, version + 1);
  EXPECT_EQ(hub->snapshot()->cluster("shop.web")->pods.size(), 3u);
  std::vector<std::string> kinds;
  for (const auto& e : hub->snapshot()->events) kinds.push_back(e.kind);
  EXPECT_EQ(kinds, (std::vector<std::string>{"joined", "joined"}));
  // The next one waits for 100 ms after this one.
  pods.pop_back();
  loop.run_ready();
  loop.advance(50ms);
  EXPECT_EQ(published.size(), before + 1);
  loop.advance(50ms);
  EXPECT_EQ(published.size(), before + 2);
}

TEST_F(UiHub, ActionsAndProcessChangesReachTheTimeline) {
  std::string error;
  ASSERT_TRUE(hub->start(1s, &error));
  settle();
  ActionRecord record;
  record.id = 1;
  record.action = "off";
  record.cluster = "shop.web";
  record.who = "token@127.0.0.1";
  record.pods = {ActionOutcome{"shop.web #1", 1, false, false, 0, ""}};
  hub->put_action(record);
  settle();
  record.finished = 600;
  record.pods[0] = ActionOutcome{"shop.web #1", 1, true, true, 200, "ok"};
  process = "stopped";
  const int calls_before = calls;
  hub->put_action(record);
  settle();
  EXPECT_GT(calls, calls_before);  // asked again at once after the action
  const SnapshotPtr s = hub->snapshot();
  ASSERT_EQ(s->actions.size(), 1u);
  EXPECT_EQ(s->actions[0].finished, 600);
  std::vector<std::string> events;
  for (const auto& e : s->events) events.push_back(e.kind + " " + e.detail);
  EXPECT_EQ(events,
            (std::vector<std::string>{"action off by token@127.0.0.1", "action off done: 1 of 1 ok",
                                      "process running -> stopped"}));
}

TEST_F(UiHub, SubscriptionsDriveTheTiers) {
  std::string error;
  ASSERT_TRUE(hub->start(1s, &error));
  settle();
  const int idle = calls;
  loop.advance(1s);
  fetch.run_ready();
  EXPECT_EQ(calls, idle);  // 15 s between two calls to a pod nobody looks at
  const uint64_t id = hub->subscribe(*parse_stream_view("cluster:shop.web"));
  settle();
  EXPECT_GT(calls, idle);
  hub->unsubscribe(id);
  hub->refresh("shop.web");
  loop.run_ready();
}

TEST_F(UiHub, ZooKeeperNewsAboutAPodAsksItAtOnce) {
  std::string error;
  ASSERT_TRUE(hub->start(1s, &error));
  settle();
  const int before = calls;
  const auto nodes = server.children(kHome + "/pods");
  ASSERT_EQ(nodes.size(), 1u);
  server.set(kHome + "/pods/" + nodes[0], R"({"seq": 1, "ip": "10.1.1.1"})");
  loop.run_ready();
  fetch.run_ready();
  EXPECT_EQ(calls, before + 1);  // long before its 15 s tier
}

TEST_F(UiHub, ZooKeeperUnreachableAtStartFails) {
  server.refuse_open = true;
  std::string error;
  EXPECT_FALSE(hub->start(1s, &error));
  EXPECT_NE(error.find("zk1:2181"), std::string::npos) << error;
}

TEST_F(UiHub, LosingZooKeeperMarksTheSnapshotStale) {
  std::string error;
  ASSERT_TRUE(hub->start(1s, &error));
  settle();
  wall = 900;
  // The hub's session: the newest one the server opened after the pods'.
  server.last_session()->lose_connection();
  settle();
  EXPECT_FALSE(hub->snapshot()->zk.connected);
  EXPECT_EQ(hub->snapshot()->zk.stale_since, 900);
  server.last_session()->connect();
  settle();
  EXPECT_TRUE(hub->snapshot()->zk.connected);
}

}  // namespace
}  // namespace ochopod::cli::ui
