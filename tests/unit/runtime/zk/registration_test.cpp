// Registration against the in-memory ZooKeeper: create-then-set, protected
// create, and a node put back (same uuid, same seq) when it vanishes.
#include "runtime/zk/registration.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "harness/fake_zk_session.h"

namespace ochopod {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using test::FakeZkServer;
using test::FakeZkSession;

constexpr char kPods[] = "/ochopod/clusters/ns.c/pods";
constexpr char kUuid[] = "0b5c8e9e-6a43-4d8e-9f4b-4d8c1f0e2a11";

class RegistrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    session = open();
    ASSERT_EQ(session->ensure_path(kPods), 0);
  }

  std::unique_ptr<FakeZkSession> open() {
    return server.open([this](ZkEvent e) { events.push_back(std::move(e)); }, 5s);
  }

  std::vector<std::string> ours() const {
    std::vector<std::string> out;
    for (const auto& n : server.children(kPods)) {
      if (n.rfind(std::string(kUuid) + ".", 0) == 0) out.push_back(n);
    }
    return out;
  }

  // Hands the watch events received so far to the registration, as the
  // coordinator does; returns how many were about our node.
  int feed() {
    int ours = 0;
    for (const auto& e : events) {
      if (e.kind == ZkEvent::Kind::kWatch && registration.concerns(e)) {
        registration.on_watch(e);
        ++ours;
      }
    }
    events.clear();
    return ours;
  }

  int ensure() {
    bool written = false;
    return registration.ensure(*session, &written);
  }

  FakeZkServer server;
  std::vector<ZkEvent> events;
  std::unique_ptr<FakeZkSession> session;
  Registration registration{kPods, kUuid, json{{"cluster", "c"}, {"port", "8080"}}};
};

TEST_F(RegistrationTest, CreatesEmptyThenSetsThePayloadWithTheSuffixAsSeqAndWatchesIt) {
  std::vector<std::string> seen;
  server.before_call = [&](const std::string& call, const std::string& path) {
    if (call == "set" && path.find(kUuid) != std::string::npos) {
      seen.push_back(*server.data(path));  // what readers see between create and set
    }
  };
  bool written = false;
  ASSERT_EQ(registration.ensure(*session, &written), 0);
  EXPECT_TRUE(written);
  EXPECT_TRUE(registration.settled());
  EXPECT_EQ(seen, std::vector<std::string>{""});
  ASSERT_EQ(ours(), std::vector<std::string>{std::string(kUuid) + ".0000000000"});
  const std::string path = std::string(kPods) + "/" + ours()[0];
  const json payload = json::parse(*server.data(path));
  EXPECT_EQ(payload["seq"], 0);
  EXPECT_EQ(payload["port"], "8080");
  EXPECT_EQ(server.owner(path), session->id());
  EXPECT_EQ(session->watches(), std::vector<std::string>{"data " + path});
  // Settled: a second call asks nothing.
  int calls = 0;
  server.before_call = [&](const std::string&, const std::string&) { ++calls; };
  ASSERT_EQ(registration.ensure(*session, &written), 0);
  EXPECT_FALSE(written);
  EXPECT_EQ(calls, 0);
}

TEST_F(RegistrationTest, ACreateThatSucceededButReportedConnectionLossIsAdopted) {
  session->lose_next_create();
  EXPECT_TRUE(zk::connection_lost(ensure()));
  ASSERT_EQ(ours().size(), 1u);  // it did land
  session->connect();
  ASSERT_EQ(ensure(), 0);
  EXPECT_EQ(ours(), std::vector<std::string>{registration.node()});
  EXPECT_EQ(registration.seq(), 0);
  EXPECT_TRUE(
      json::parse(*server.data(std::string(kPods) + "/" + registration.node())).contains("seq"));
}

TEST_F(RegistrationTest, AFreshSessionCreatesWithoutListingTheClustersPods) {
  // Every pod that boots would read every other pod's name for nothing: a
  // session that never saw a create fail has no node to adopt.
  for (int i = 0; i < 50; ++i) {
    ASSERT_EQ(server.create(std::string(kPods) + "/other-" + std::to_string(i) + ".000000000" +
                            std::to_string(i % 10)),
              0);
  }
  std::vector<std::string> listed;
  server.before_call = [&listed](const std::string& call, const std::string& path) {
    if (call == "children") listed.push_back(path);
  };
  ASSERT_EQ(ensure(), 0);
  EXPECT_EQ(ours().size(), 1u);
  EXPECT_EQ(listed, std::vector<std::string>{}) << "listed the pods on a fresh session";
  // After a lost create it looks, once, and adopts what landed.
  session = open();
  registration.forget();
  session->lose_next_create();
  EXPECT_TRUE(zk::connection_lost(ensure()));
  session->connect();
  ASSERT_EQ(ensure(), 0);
  EXPECT_EQ(listed, std::vector<std::string>{kPods});
}

TEST_F(RegistrationTest, ACreateMadeByTheCallerIsTakenAsEnsuresOwn) {
  // The coordinator sends it with a new cluster's nodes; ensure() then only
  // writes the payload and watches.
  auto create = registration.pending_create();
  ASSERT_TRUE(create);
  EXPECT_EQ(create->path, std::string(kPods) + "/" + kUuid + ".");
  EXPECT_EQ(create->flags, zk::ephemeral_sequential());
  ASSERT_EQ(registration.created(session->create_node(&*create), *create), 0);
  EXPECT_FALSE(registration.pending_create()) << "it has a node";
  std::vector<std::string> calls;
  server.before_call = [&](const std::string& call, const std::string&) { calls.push_back(call); };
  ASSERT_EQ(ensure(), 0);
  EXPECT_EQ(calls, (std::vector<std::string>{"set", "get"}));
  EXPECT_EQ(ours(), std::vector<std::string>{registration.node()});
  EXPECT_EQ(registration.seq(), 0);
}

TEST_F(RegistrationTest, ACallersCreateThatMayHaveLandedIsLookedForNotSentAgain) {
  auto create = registration.pending_create();
  ASSERT_TRUE(create);
  session->lose_next_create();
  const int rc = session->create_node(&*create);
  EXPECT_TRUE(zk::connection_lost(registration.created(rc, *create)));
  EXPECT_FALSE(registration.pending_create()) << "would create a second node";
  session->connect();
  ASSERT_EQ(ensure(), 0);
  EXPECT_EQ(ours(), std::vector<std::string>{registration.node()}) << "adopted what landed";
}

TEST_F(RegistrationTest, ANodeWithOurUuidOwnedByAnotherSessionIsNotAdopted) {
  auto old = open();  // e.g. our previous session, not yet expired on the server
  std::string created;
  ASSERT_EQ(
      old->create(std::string(kPods) + "/" + kUuid + ".", "", zk::ephemeral_sequential(), &created),
      0);
  ASSERT_EQ(ensure(), 0);
  EXPECT_NE(std::string(kPods) + "/" + registration.node(), created);
  EXPECT_EQ(ours().size(), 2u);
  EXPECT_EQ(server.owner(std::string(kPods) + "/" + registration.node()), session->id());
}

TEST_F(RegistrationTest, ANodeDeletedWhileTheSessionLivesComesBackWithTheSameUuidAndSeq) {
  ASSERT_EQ(ensure(), 0);
  const std::string first = registration.node();
  ASSERT_EQ(server.remove(std::string(kPods) + "/" + first), 0);
  ASSERT_EQ(feed(), 1) << "no watch told us our node went";
  EXPECT_FALSE(registration.settled());
  ASSERT_EQ(ensure(), 0);
  ASSERT_EQ(ours().size(), 1u);
  EXPECT_NE(registration.node(), first);
  EXPECT_EQ(registration.node().substr(0, std::string(kUuid).size()), kUuid);
  EXPECT_EQ(json::parse(*server.data(std::string(kPods) + "/" + registration.node()))["seq"], 0);
  EXPECT_EQ(session->watches(),
            std::vector<std::string>{"data " + std::string(kPods) + "/" + registration.node()});
}

TEST_F(RegistrationTest, ANewSessionRegistersANewNodeWithTheFirstSeq) {
  ASSERT_EQ(server.create(std::string(kPods) + "/someone.0000000000"), 0);  // shifts the suffixes
  ASSERT_EQ(ensure(), 0);
  const auto seq = registration.seq();
  ASSERT_EQ(seq, 1);
  session = open();  // the old one closed: its node went with it
  registration.forget();
  ASSERT_EQ(ensure(), 0);
  EXPECT_EQ(ours().size(), 1u);
  EXPECT_NE(registration.node(), std::string(kUuid) + ".0000000001");
  EXPECT_EQ(json::parse(*server.data(std::string(kPods) + "/" + registration.node()))["seq"], 1);
}

TEST_F(RegistrationTest, AnOverwrittenPayloadIsWrittenBack) {
  ASSERT_EQ(ensure(), 0);
  const std::string path = std::string(kPods) + "/" + registration.node();
  const std::string good = *server.data(path);
  ASSERT_EQ(server.set(path, "garbage"), 0);
  feed();
  ASSERT_EQ(ensure(), 0);
  feed();  // our own write may fire the watch once more
  ASSERT_EQ(ensure(), 0);
  EXPECT_EQ(*server.data(path), good);
  EXPECT_TRUE(registration.settled());
  EXPECT_EQ(session->watches(), std::vector<std::string>{"data " + path});
}

TEST_F(RegistrationTest, ANodeGoneBeforeItsWatchIsRecreatedAndLeavesNoStrayWatch) {
  std::string gone;
  server.before_call = [&](const std::string& call, const std::string& path) {
    if (call == "get" && gone.empty()) {
      gone = path;
      server.remove(path);
    }
  };
  ASSERT_EQ(ensure(), 0);
  ASSERT_FALSE(gone.empty());
  EXPECT_NE(std::string(kPods) + "/" + registration.node(), gone);
  EXPECT_EQ(ours().size(), 1u);
  EXPECT_EQ(session->watches(),
            std::vector<std::string>{"data " + std::string(kPods) + "/" + registration.node()});
}

}  // namespace
}  // namespace ochopod
