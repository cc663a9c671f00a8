// ClusterView against the in-memory ZooKeeper: the leader's cache reads what
// changed and nothing else, and misses no snapshot.
#include "models/reactive/cluster_view.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "harness/fake_zk_session.h"
#include "models/reactive/snapshot.h"

namespace ochopod {
namespace {

using namespace std::chrono_literals;
using test::FakeZkServer;
using test::FakeZkSession;

constexpr char kRoot[] = "/ochopod/clusters";
const std::string kPods = std::string(kRoot) + "/ns.web/pods";
const std::string kDbSnapshot = std::string(kRoot) + "/ns.db/snapshot";

class ClusterViewFake : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const std::string path : {"/ochopod", "/ochopod/clusters", "/ochopod/clusters/ns.web",
                                   "/ochopod/clusters/ns.web/pods", "/ochopod/clusters/ns.db"}) {
      ASSERT_EQ(server.create(path), 0) << path;
    }
    session = server.open([this](ZkEvent e) { events.push_back(std::move(e)); }, 5s);
  }
  // Every call the view makes, as "<call> <path>".
  void record_calls() {
    server.before_call = [this](const std::string& call, const std::string& path) {
      calls.push_back(call + " " + path);
    };
  }

  FakeZkServer server;
  std::unique_ptr<FakeZkSession> session;
  std::vector<ZkEvent> events;
  std::vector<std::string> calls;
  ClusterView view{{kRoot, "ns.web", "ns", {"db"}}};
};

TEST_F(ClusterViewFake, ASnapshotCreatedBetweenTheGetAndTheWatchIsRead) {
  // The dependency's leader writes its snapshot right after our get() found
  // none, before our exists() watch: no event will ever tell us.
  server.before_call = [this](const std::string& call, const std::string& path) {
    if (call == "exists" && path == kDbSnapshot) {
      server.before_call = nullptr;
      ASSERT_EQ(server.create(kDbSnapshot, R"({"u1": {"ip": "10.0.0.1"}})"), 0);
    }
  };
  view.reload(*session);
  EXPECT_TRUE(view.dependencies()["db"].contains("u1"))
      << "the snapshot created in between was missed: " << view.dependencies().dump();
}

TEST_F(ClusterViewFake, AJoinReadsOnlyTheNewPod) {
  for (const char* name : {"a.0000000001", "b.0000000002", "c.0000000003"}) {
    ASSERT_EQ(server.create(kPods + "/" + name, R"({"ip": "127.0.0.1", "port": "8080",
                                                    "ports": {"8080": 1}})"),
              0);
  }
  view.reload(*session);
  ASSERT_EQ(view.local().size(), 3u);
  events.clear();
  ASSERT_EQ(server.create(kPods + "/d.0000000004",
                          R"({"ip": "127.0.0.1", "port": "8080", "ports": {"8080": 2}})"),
            0);
  ASSERT_FALSE(events.empty()) << "the children watch fired";
  record_calls();
  for (const auto& e : events) view.on_watch(*session, e);
  EXPECT_EQ(view.local().size(), 4u);
  std::vector<std::string> reads;
  for (const auto& c : calls) {
    if (c.rfind("get ", 0) == 0) reads.push_back(c);
  }
  EXPECT_EQ(reads, std::vector<std::string>{"get " + kPods + "/d.0000000004"})
      << "a join must read the new pod's node only";
}

TEST_F(ClusterViewFake, GarbageWrittenByOthersIsSkipped) {
  ASSERT_EQ(server.create(kPods + "/x.0000000001", "not json \xff"), 0);
  ASSERT_EQ(server.create(kPods + "/y.0000000002", "[1, 2]"), 0);
  ASSERT_EQ(server.create(kPods + "/z.0000000003",
                          R"({"ip": "127.0.0.1", "port": "8080", "ports": {"8080": 3}})"),
            0);
  ASSERT_EQ(server.create(kDbSnapshot, "{garbage"), 0);
  view.reload(*session);
  EXPECT_EQ(view.local().size(), 1u);
  EXPECT_TRUE(view.local().contains("z"));
  EXPECT_TRUE(view.dependencies()["db"].is_object());
  EXPECT_TRUE(view.dependencies()["db"].empty());
}

// The hash from the kept texts is the hash of the map, whatever the pods:
// a newer registration of a uuid, uuids whose node names sort otherwise
// than the uuids themselves ("ab-x.*" before "ab.*"), text to escape, a
// dependency's pods, one leaving.
TEST_F(ClusterViewFake, TheKeptTextsHashLikeTheWholeMap) {
  auto same = [&](const std::string& when) {
    EXPECT_EQ(view.snapshot_hash(), snapshot_hash(view.snapshot_map())) << when;
    EXPECT_EQ(view.pod_count(), view.local().size()) << when;
  };
  view.reload(*session);
  same("an empty cluster");
  ASSERT_EQ(server.create(kDbSnapshot, R"({"u1": {"ip": "10.0.0.1"}, "u0": {"ip": "é\u0001"}})"),
            0);
  const char* reg = R"({"ip": "127.0.0.1", "port": "8080", "ports": {"8080": %d}, "n": "q\"é"})";
  int port = 1;
  for (const char* name : {"ab.0000000001", "ab-x.0000000002", "ab.0000000003",
                           "b\u00e9.0000000004", "c.0000000005"}) {
    char data[256];
    std::snprintf(data, sizeof data, reg, port++);
    ASSERT_EQ(server.create(kPods + "/" + name, data), 0);
  }
  view.reload(*session);
  ASSERT_EQ(view.pod_count(), 4u) << "ab twice is one pod";
  EXPECT_EQ(view.local()["ab"]["ports"]["8080"], 3) << "the newer registration of ab";
  same("five registrations of four pods and a dependency");
  const std::string before = view.snapshot_hash();
  ASSERT_EQ(server.remove(kPods + "/c.0000000005"), 0);
  for (const auto& e : events) view.on_watch(*session, e);
  events.clear();
  same("a pod gone");
  EXPECT_NE(view.snapshot_hash(), before);
}

}  // namespace
}  // namespace ochopod
