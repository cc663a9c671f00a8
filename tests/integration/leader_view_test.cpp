// ClusterView (the leader's cache) against a real ZooKeeper: incremental
// reads, dependencies and globs, and garbage others wrote where ochopod
// writes. Our session is driven from the test thread, as the coordinator
// loop drives it in a pod; watch events are queued by the sink.
#include <gtest/gtest.h>

#include <condition_variable>
#include <deque>
#include <mutex>

#include "harness/kazoo.h"
#include "harness/wait.h"
#include "harness/zk_fixture.h"
#include "models/reactive/cluster_view.h"
#include "runtime/zk/layout.h"
#include "runtime/zk/session.h"

namespace ochopod::test {
namespace {

using nlohmann::json;

const std::string kRoot = "/ochopod/clusters";
const std::string kPods = kRoot + "/local.web/pods";

std::string registration(int port) {
  return json{{"ip", "127.0.0.1"}, {"port", "8080"}, {"ports", {{"8080", port}}}}.dump();
}

class ClusterViewTest : public ZkTest {
 protected:
  void SetUp() override {
    ZkTest::SetUp();
    session = open_session(std::chrono::milliseconds(10000), [this](ZkEvent e) {
      std::lock_guard<std::mutex> lock(mu);
      events.push_back(std::move(e));
      cv.notify_all();
    });
    ASSERT_TRUE(session);
    ASSERT_TRUE(next_event([](const ZkEvent& e) { return e.kind == ZkEvent::Kind::kConnected; }))
        << "no connection";
    ASSERT_TRUE(zk::ok(session->ensure_path(kPods)));
  }
  // Pops events until one matches (watch events are also fed to the view).
  bool next_event(const std::function<bool(const ZkEvent&)>& match, ClusterView* view = nullptr) {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    std::unique_lock<std::mutex> lock(mu);
    while (true) {
      if (!cv.wait_until(lock, deadline, [&] { return !events.empty(); })) return false;
      ZkEvent e = std::move(events.front());
      events.pop_front();
      lock.unlock();
      if (view && e.kind == ZkEvent::Kind::kWatch) view->on_watch(*session, e);
      const bool hit = match(e);
      lock.lock();
      if (hit) return true;
    }
  }
  bool watch_on(const std::string& path, ClusterView& view) {
    return next_event(
        [&](const ZkEvent& e) { return e.kind == ZkEvent::Kind::kWatch && e.path == path; }, &view);
  }
  long long packets() const { return std::stoll(zk.mntr().at("zk_packets_received")); }

  std::mutex mu;
  std::condition_variable cv;
  std::deque<ZkEvent> events;
  std::unique_ptr<ZkSession> session;
};

ClusterView::Settings web(std::vector<std::string> deps = {}) {
  return {kRoot, "local.web", "local", std::move(deps)};
}

TEST_F(ClusterViewTest, AJoinReadsOnlyTheNewPod) {
  for (int i = 0; i < 30; ++i) {
    ASSERT_TRUE(
        kazoo_create(zk.connect_string(),
                     kPods + "/uuid" + std::to_string(i) + ".00000000" + std::to_string(10 + i),
                     registration(9000 + i)));
  }
  ClusterView view(web());
  view.reload(*session);
  ASSERT_EQ(view.local().size(), 30u);
  const long long before = packets();
  ASSERT_TRUE(kazoo_create(zk.connect_string(), kPods + "/uuidnew.0000000099", registration(9999)));
  ASSERT_TRUE(watch_on(kPods, view)) << "no children event";
  EXPECT_EQ(view.local().size(), 31u);
  EXPECT_EQ(view.local()["uuidnew"]["ports"]["8080"], 9999);
  // The kazoo call itself costs a handful of packets; re-reading 31 pods would cost 31 more.
  const long long spent = packets() - before;
  std::printf("a join cost %lld packets at the server\n", spent);
  EXPECT_LT(spent, 20);

  ASSERT_TRUE(kazoo_delete(zk.connect_string(), kPods + "/uuid3.0000000013"));
  ASSERT_TRUE(watch_on(kPods, view));
  EXPECT_EQ(view.local().size(), 30u);
  EXPECT_FALSE(view.local().contains("uuid3"));
  EXPECT_EQ(view.local()["uuid4"]["ports"]["8080"], 9004) << "payloads kept across a change";
}

// What the published snapshot may list (docs/protocol.md 7, "Leaving before
// stopping"): registered pods not under withdrawn/, whose creation the view
// watches for even before any pod ever withdrew; no hash covers it.
TEST_F(ClusterViewTest, AWithdrawnOrGonePodIsNotVisibleAndChangesNoHash) {
  const std::string zks = zk.connect_string();
  ASSERT_TRUE(kazoo_create(zks, kPods + "/aaaa.0000000001", registration(9001)));
  ASSERT_TRUE(kazoo_create(zks, kPods + "/bbbb.0000000002", registration(9002)));
  ClusterView view(web());
  view.reload(*session);
  EXPECT_TRUE(view.visible("aaaa"));
  EXPECT_TRUE(view.visible("bbbb"));
  EXPECT_FALSE(view.visible("cccc"));
  const std::string hash = view.snapshot_hash();
  const std::string withdrawn = kRoot + "/local.web/withdrawn";
  ASSERT_TRUE(kazoo_create(zks, withdrawn, ""));
  ASSERT_TRUE(watch_on(withdrawn, view)) << "no event for withdrawn/ appearing";
  ASSERT_TRUE(kazoo_create(zks, withdrawn + "/aaaa", ""));
  ASSERT_TRUE(watch_on(withdrawn, view)) << "no event for a withdrawal";
  EXPECT_FALSE(view.visible("aaaa"));
  EXPECT_TRUE(view.visible("bbbb"));
  EXPECT_EQ(view.snapshot_hash(), hash) << "a withdrawal must not start a round";
  EXPECT_EQ(view.local().size(), 2u) << "a withdrawn pod stays in the cluster";
  ASSERT_TRUE(kazoo_delete(zks, withdrawn + "/aaaa"));
  ASSERT_TRUE(watch_on(withdrawn, view));
  EXPECT_TRUE(view.visible("aaaa"));
  ASSERT_TRUE(kazoo_delete(zks, kPods + "/bbbb.0000000002"));
  ASSERT_TRUE(watch_on(kPods, view));
  EXPECT_FALSE(view.visible("bbbb"));
}

TEST_F(ClusterViewTest, GarbageInPodNodesIsSkipped) {
  const std::string zks = zk.connect_string();
  ASSERT_TRUE(kazoo_create(zks, kPods + "/good.0000000001", registration(9001)));
  ASSERT_TRUE(kazoo_create(zks, kPods + "/text.0000000002", "not json"));
  ASSERT_TRUE(kazoo_create(zks, kPods + "/array.0000000003", "[1,2]"));
  ASSERT_TRUE(kazoo_create(zks, kPods + "/noport.0000000004", "{\"ip\":\"1.2.3.4\"}"));
  ASSERT_TRUE(kazoo_create(zks, kPods + "/empty.0000000005", ""));
  ASSERT_TRUE(kazoo_create(zks, kPods + "/binary.0000000006", std::string("\xff\x00\xfe", 3)));
  ClusterView view(web());
  view.reload(*session);
  EXPECT_EQ(view.local(), json({{"good", json::parse(registration(9001))}}));
  // A registering pod's payload arrives by its data watch.
  ASSERT_TRUE(kazoo_set(zks, kPods + "/empty.0000000005", registration(9005)));
  ASSERT_TRUE(watch_on(kPods + "/empty.0000000005", view));
  EXPECT_EQ(view.local().size(), 2u);
  // A good pod turned to garbage is dropped.
  ASSERT_TRUE(kazoo_set(zks, kPods + "/good.0000000001", "{"));
  ASSERT_TRUE(watch_on(kPods + "/good.0000000001", view));
  EXPECT_EQ(view.local().size(), 1u);
}

TEST_F(ClusterViewTest, DependenciesFollowSnapshotsAndGlobs) {
  const std::string zks = zk.connect_string();
  ASSERT_TRUE(kazoo_create(zks, kRoot + "/local.db/snapshot",
                           json{{"d1", json::parse(registration(7001))}}.dump()));
  ASSERT_TRUE(kazoo_create(zks, kRoot + "/local.cache-a/snapshot", "garbage"));
  ClusterView view(web({"db", "cache-*", "/other.q"}));
  view.reload(*session);
  EXPECT_EQ(view.dependencies()["db"].size(), 1u);
  EXPECT_EQ(view.dependencies()["cache-*"], json::object()) << "garbage taken as empty";
  EXPECT_EQ(view.dependencies()["/other.q"], json::object());
  // A snapshot that did not exist: its exists watch brings it.
  ASSERT_TRUE(kazoo_create(zks, kRoot + "/other.q/snapshot",
                           json{{"q1", json::parse(registration(7002))}}.dump()));
  ASSERT_TRUE(watch_on(kRoot + "/other.q/snapshot", view));
  EXPECT_EQ(view.dependencies()["/other.q"].size(), 1u);
  // A new cluster matching the glob.
  ASSERT_TRUE(kazoo_create(zks, kRoot + "/local.cache-b/snapshot",
                           json{{"c1", json::parse(registration(7003))}}.dump()));
  ASSERT_TRUE(watch_on(kRoot, view));
  EXPECT_EQ(view.dependencies()["cache-*"].size(), 1u);
  ASSERT_TRUE(kazoo_set(zks, kRoot + "/local.cache-a/snapshot",
                        json{{"c2", json::parse(registration(7004))}}.dump()));
  ASSERT_TRUE(watch_on(kRoot + "/local.cache-a/snapshot", view));
  EXPECT_EQ(view.dependencies()["cache-*"].size(), 2u);
  EXPECT_EQ(view.snapshot_map().size(), 4u) << "three dependencies and local";
}

TEST_F(ClusterViewTest, StoredHashNullEmptyAndGarbageAllMeanNone) {
  const ClusterPaths paths("local.web");
  std::string hash = "x";
  EXPECT_TRUE(zk::ok(read_stored_hash(*session, paths, &hash)));
  EXPECT_EQ(hash, "") << "no node";
  ASSERT_TRUE(zk::ok(session->ensure_path(paths.hash)));  // NULL data
  EXPECT_TRUE(zk::ok(read_stored_hash(*session, paths, &hash)));
  EXPECT_EQ(hash, "");
  for (const std::string bad : {"", "garbage", "9e:10\n"}) {
    ASSERT_TRUE(zk::ok(session->set(paths.hash, bad)));
    EXPECT_TRUE(zk::ok(read_stored_hash(*session, paths, &hash)));
    EXPECT_EQ(hash, "") << bad;
  }
  const std::string good = "9e:10:3a:ba:c3:99:06:ac:f1:7a:8c:4f:6f:11:0c:d2";
  ASSERT_TRUE(zk::ok(session->set(paths.hash, good)));
  EXPECT_TRUE(zk::ok(read_stored_hash(*session, paths, &hash)));
  EXPECT_EQ(hash, good);
}

}  // namespace
}  // namespace ochopod::test
