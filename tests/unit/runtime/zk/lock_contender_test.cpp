// LockContender against the in-memory ZooKeeper: kazoo's recipe, one watch
// on the predecessor only (the holder's on its own node), none left behind;
// the fence of each leadership.
#include "runtime/zk/lock_contender.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "harness/fake_zk_session.h"

namespace ochopod {
namespace {

using namespace std::chrono_literals;
using test::FakeZkServer;
using test::FakeZkSession;

constexpr char kDir[] = "/ochopod/clusters/ns.c/coordinator";

std::string hex_prefix(char c) { return std::string(32, c); }

class LockContenderTest : public ::testing::Test {
 protected:
  struct Pod {
    std::unique_ptr<FakeZkSession> session;
    std::vector<ZkEvent> events;
    LockContender lock{kDir};
  };

  void SetUp() override { ASSERT_EQ(server.create("/ochopod"), 0); }

  std::unique_ptr<Pod> contender(char prefix) {
    auto pod = std::make_unique<Pod>();
    Pod* raw = pod.get();
    pod->session = server.open([raw](ZkEvent e) { raw->events.push_back(std::move(e)); }, 5s);
    EXPECT_EQ(pod->session->ensure_path(kDir), 0);
    pod->lock.forget(hex_prefix(prefix));
    EXPECT_EQ(pod->lock.check(*pod->session), 0);
    return pod;
  }

  // The watch events a pod received since the last call.
  static std::vector<std::string> fired(Pod& pod) {
    std::vector<std::string> out;
    for (const auto& e : pod.events) {
      if (e.kind == ZkEvent::Kind::kWatch) out.push_back(e.path);
    }
    pod.events.clear();
    return out;
  }

  FakeZkServer server;
};

TEST_F(LockContenderTest, FirstContenderHoldsTheLockUnderKazoosName) {
  auto a = contender('a');
  EXPECT_TRUE(a->lock.holds());
  EXPECT_EQ(a->lock.node(), hex_prefix('a') + "__lock__0000000000");
  EXPECT_EQ(server.owner(std::string(kDir) + "/" + a->lock.node()), a->session->id());
  EXPECT_EQ(a->session->watches(),
            std::vector<std::string>{"data " + std::string(kDir) + "/" + a->lock.node()})
      << "the holder watches its own node only";
}

TEST_F(LockContenderTest, EachWaiterWatchesOnlyItsPredecessor) {
  auto a = contender('a');
  auto b = contender('b');
  auto c = contender('c');
  EXPECT_FALSE(b->lock.holds());
  EXPECT_FALSE(c->lock.holds());
  EXPECT_EQ(b->lock.predecessor(), a->lock.node());
  EXPECT_EQ(c->lock.predecessor(), b->lock.node());
  EXPECT_EQ(b->session->watches(),
            std::vector<std::string>{"data " + std::string(kDir) + "/" + a->lock.node()});
  EXPECT_EQ(c->session->watches(),
            std::vector<std::string>{"data " + std::string(kDir) + "/" + b->lock.node()});

  // b leaves: only c hears it, and c now waits behind a.
  b.reset();
  EXPECT_TRUE(fired(*a).empty());
  EXPECT_EQ(fired(*c),
            std::vector<std::string>{std::string(kDir) + "/" + std::string(hex_prefix('b')) +
                                     "__lock__0000000001"});
  ASSERT_EQ(c->lock.check(*c->session), 0);
  EXPECT_FALSE(c->lock.holds());
  EXPECT_EQ(c->lock.predecessor(), a->lock.node());

  // a leaves: c leads, and watches its own node only.
  a.reset();
  EXPECT_EQ(fired(*c).size(), 1u);
  ASSERT_EQ(c->lock.check(*c->session), 0);
  EXPECT_TRUE(c->lock.holds());
  EXPECT_EQ(c->session->watches(),
            std::vector<std::string>{"data " + std::string(kDir) + "/" + c->lock.node()});
}

TEST_F(LockContenderTest, APredecessorGoneJustBeforeTheWatchLeavesNoStrayWatch) {
  auto a = contender('a');
  auto b = std::make_unique<Pod>();
  Pod* raw = b.get();
  b->session = server.open([raw](ZkEvent e) { raw->events.push_back(std::move(e)); }, 5s);
  b->lock.forget(hex_prefix('b'));
  const std::string a_path = std::string(kDir) + "/" + a->lock.node();
  // a leaves between b's listing and b's watch on it.
  server.before_call = [&](const std::string& call, const std::string& path) {
    if (path == a_path && (call == "get" || call == "exists")) {
      server.before_call = nullptr;
      a.reset();
    }
  };
  ASSERT_EQ(b->lock.check(*b->session), 0);
  EXPECT_TRUE(b->lock.holds());
  EXPECT_EQ(b->session->watches(),
            std::vector<std::string>{"data " + std::string(kDir) + "/" + b->lock.node()})
      << "a stray watch on the predecessor";
}

TEST_F(LockContenderTest, ACreateLostToAConnectionLossIsFoundAgainNotDuplicated) {
  auto a = contender('a');
  auto b = std::make_unique<Pod>();
  Pod* raw = b.get();
  b->session = server.open([raw](ZkEvent e) { raw->events.push_back(std::move(e)); }, 5s);
  b->lock.forget(hex_prefix('b'));
  b->session->lose_next_create();
  EXPECT_TRUE(zk::connection_lost(b->lock.check(*b->session)));
  b->session->connect();
  ASSERT_EQ(b->lock.check(*b->session), 0);
  const auto names = server.children(kDir);
  EXPECT_EQ(std::count_if(names.begin(), names.end(),
                          [](const std::string& n) { return n.rfind(hex_prefix('b'), 0) == 0; }),
            1);
  EXPECT_EQ(b->lock.node(), hex_prefix('b') + "__lock__0000000001");
  EXPECT_EQ(b->lock.predecessor(), a->lock.node());
}

TEST_F(LockContenderTest, AFreshSessionListsTheContendersOnceNotBeforeItsCreateToo) {
  auto a = contender('a');
  int listings = 0;
  server.before_call = [&listings](const std::string& call, const std::string& path) {
    if (call == "children" && path == kDir) ++listings;
  };
  auto b = contender('b');
  EXPECT_EQ(b->lock.predecessor(), a->lock.node());
  EXPECT_EQ(listings, 1) << "a fresh session has no lost create to look for";
}

TEST_F(LockContenderTest, OurNodeDeletedBySomeoneElseEndsTheLockAndWeContendAgain) {
  auto a = contender('a');
  auto b = contender('b');
  ASSERT_TRUE(a->lock.holds());
  const std::string first = a->lock.node();
  ASSERT_EQ(server.remove(std::string(kDir) + "/" + first), 0);
  EXPECT_EQ(fired(*b).size(), 1u);  // b's predecessor went
  EXPECT_EQ(fired(*a), std::vector<std::string>{std::string(kDir) + "/" + first})
      << "the holder hears its own node go";
  ASSERT_EQ(a->lock.check(*a->session), 0);
  EXPECT_FALSE(a->lock.holds());
  EXPECT_NE(a->lock.node(), first);
  EXPECT_EQ(a->lock.predecessor(), b->lock.node());
  ASSERT_EQ(b->lock.check(*b->session), 0);
  EXPECT_TRUE(b->lock.holds());
}

TEST_F(LockContenderTest, TheFenceIsOurNodesCzxidAndGrowsWithEveryLeadership) {
  auto a = contender('a');
  auto b = contender('b');
  ASSERT_TRUE(a->lock.holds());
  const uint64_t first = a->lock.fence();
  EXPECT_GT(first, 0u);
  EXPECT_EQ(b->lock.fence(), 0u) << "no fence while waiting";
  ZkStat stat;
  ASSERT_EQ(a->session->exists(std::string(kDir) + "/" + a->lock.node(), &stat, false), 0);
  EXPECT_EQ(first, static_cast<uint64_t>(stat.czxid));

  // a goes: b leads with a higher fence.
  a.reset();
  ASSERT_EQ(b->lock.check(*b->session), 0);
  ASSERT_TRUE(b->lock.holds());
  const uint64_t second = b->lock.fence();
  EXPECT_GT(second, first);
  const int64_t second_seq = lock_sequence(b->lock.node());
  EXPECT_EQ(second_seq, 1);

  // Someone deletes the lock's nodes and `coordinator` itself, then makes it
  // again: the suffixes start over, the fence does not go back.
  ASSERT_EQ(server.remove(std::string(kDir) + "/" + b->lock.node()), 0);
  ASSERT_EQ(server.remove(kDir), 0);
  ASSERT_EQ(server.create(kDir), 0);
  ASSERT_EQ(b->lock.check(*b->session), 0);
  ASSERT_TRUE(b->lock.holds());
  EXPECT_LT(lock_sequence(b->lock.node()), second_seq);
  EXPECT_GT(b->lock.fence(), second);
}

TEST_F(LockContenderTest, OrderIsBySuffixAndNonContendersAreIgnored) {
  ASSERT_EQ(server.create("/ochopod/clusters"), 0);
  ASSERT_EQ(server.create("/ochopod/clusters/ns.c"), 0);
  ASSERT_EQ(server.create(kDir), 0);
  // A kazoo contender that sorts last by name but first by suffix, and junk.
  ASSERT_EQ(server.create(std::string(kDir) + "/" + hex_prefix('f') + "__lock__0000000000"), 0);
  ASSERT_EQ(server.create(std::string(kDir) + "/garbage"), 0);
  ASSERT_EQ(server.create(std::string(kDir) + "/x__lock__12"), 0);
  ASSERT_EQ(server.create(std::string(kDir) + "/y__lock__00000000\xc3\xa9"), 0);
  auto a = contender('0');
  EXPECT_FALSE(a->lock.holds());
  EXPECT_EQ(a->lock.predecessor(), hex_prefix('f') + "__lock__0000000000");
  EXPECT_EQ(lock_sequence("x__lock__0000000042"), 42);
  EXPECT_EQ(lock_sequence("x__lock__00000000\xc3\xa9"), -1);
  EXPECT_EQ(lock_sequence("x__lock__-000000001"), -1);
}

}  // namespace
}  // namespace ochopod
