// ZkSession's pipelined reads (exists_all) against a real ZooKeeper: each
// path gets its own answer, in order, and a batch whose server goes away
// answers with the lost connection instead of waiting for ever.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <string>
#include <vector>

#include "harness/zk_fixture.h"
#include "runtime/zk/session.h"

namespace ochopod::test {
namespace {

using namespace std::chrono_literals;

constexpr auto kSessionTimeout = 4000ms;
constexpr auto kConnect = 15s;  // JVM-side session set-up plus slack on a loaded machine

class ZkSessionBatch : public ZkTest {
 protected:
  void SetUp() override {
    ZkTest::SetUp();
    session = open_session(kSessionTimeout, [this](ZkEvent e) {
      std::lock_guard<std::mutex> lock(mu);
      if (e.kind == ZkEvent::Kind::kConnected) connected = true;
      cv.notify_all();
    });
    ASSERT_TRUE(session);
    std::unique_lock<std::mutex> lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, kConnect, [this] { return connected; }))
        << "no connection to " << zk.connect_string() << " within " << kConnect.count() << " s";
  }

  std::mutex mu;
  std::condition_variable cv;
  bool connected = false;
  std::unique_ptr<ZkSession> session;
};

TEST_F(ZkSessionBatch, EachPathGetsItsOwnAnswerInOrder) {
  ASSERT_TRUE(zk::ok(session->ensure_path("/a/b")));
  std::vector<std::string> paths;
  std::vector<int> wanted;
  // Enough requests to be in flight together, existing and missing mixed.
  for (int i = 0; i < 300; ++i) {
    const bool there = i % 3 == 0;
    paths.push_back(there ? (i % 2 == 0 ? "/a" : "/a/b") : "/a/missing" + std::to_string(i));
    wanted.push_back(there ? 0 : zk::no_node_code());
  }
  std::vector<int> found = {42};
  ASSERT_TRUE(zk::ok(session->exists_all(paths, &found)));
  EXPECT_EQ(found, wanted);

  // No paths, no requests: answered at once.
  ASSERT_TRUE(zk::ok(session->exists_all({}, &found)));
  EXPECT_TRUE(found.empty());
}

TEST_F(ZkSessionBatch, ABatchWhoseServerIsGoneAnswersConnectionLoss) {
  zk.stop();
  const std::vector<std::string> paths = {"/a", "/b", "/c"};
  std::vector<int> found;
  auto asked = std::async(std::launch::async, [&] { return session->exists_all(paths, &found); });
  // The client gives up on a request once its connection fails; at the
  // latest the session's timeout ends every attempt.
  const auto limit = kSessionTimeout * 2;
  if (asked.wait_for(limit) != std::future_status::ready) {
    ADD_FAILURE() << "exists_all still waiting " << limit.count()
                  << " ms after the server went away";
    zk.start();  // lets the call end, so the test can
  }
  const int rc = asked.get();
  EXPECT_TRUE(zk::connection_lost(rc)) << zk::error(rc);
  ASSERT_EQ(found.size(), paths.size());
  for (const int each : found) EXPECT_TRUE(zk::connection_lost(each)) << zk::error(each);
}

}  // namespace
}  // namespace ochopod::test
