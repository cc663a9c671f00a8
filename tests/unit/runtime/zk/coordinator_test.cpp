// The Coordinator wiring its recipes, on the in-memory ZooKeeper and a manual
// clock: leadership handed to the LeaderWork at the right moments, sessions
// renewed with the same uuid and seq, authentication failures backed off.
#include "runtime/zk/coordinator.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "harness/fake_zk_session.h"
#include "harness/manual_scheduler.h"
#include "runtime/pod/log.h"

namespace ochopod {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using test::FakeZkServer;
using test::FakeZkSession;
using test::ManualScheduler;

constexpr char kCluster[] = "/ochopod/clusters/ns.web";
constexpr auto kTimeout = 3000ms;

class RecordingWork : public LeaderWork {
 public:
  void on_lead(ZkSession&, uint64_t fence) override {
    calls.push_back("lead");
    fences.push_back(fence);
  }
  void on_pause() override { calls.push_back("pause"); }
  void on_resume(ZkSession&) override { calls.push_back("resume"); }
  void on_lose() override { calls.push_back("lose"); }
  void on_watch(const ZkEvent& event) override { calls.push_back("watch " + event.path); }
  std::vector<std::string> calls;
  std::vector<uint64_t> fences;  // of each on_lead
};

struct Pod {
  Pod(ManualScheduler& clock, FakeZkServer& server, std::string id,
      ZkAclMode acl = ZkAclMode::kOpen, ZkAddress zk = {})
      : uuid(std::move(id)), hints(json::object()) {
    Coordinator::Options options;
    options.zk = std::move(zk);
    options.acl = acl;
    options.cluster = "ns.web";
    options.uuid = uuid;
    options.registration = json{{"cluster", "web"}, {"namespace", "ns"}};
    options.session_timeout = kTimeout;
    options.open_session = server.factory();
    options.on_registered = [this](uint64_t czxid) { registered.push_back(czxid); };
    coordinator = std::make_unique<Coordinator>(clock, hints, std::move(options), &work);
  }
  ~Pod() { coordinator->stop(); }

  std::string uuid;
  Hints hints;
  RecordingWork work;
  std::vector<uint64_t> registered;  // each on_registered czxid
  std::unique_ptr<Coordinator> coordinator;
};

class CoordinatorTest : public ::testing::Test {
 protected:
  std::unique_ptr<Pod> start(const std::string& uuid, ZkAclMode acl = ZkAclMode::kOpen,
                             ZkAddress zk = {}) {
    auto pod = std::make_unique<Pod>(clock, server, uuid, acl, std::move(zk));
    pod->coordinator->start();
    clock.run_ready();
    return pod;
  }

  // Our pod nodes: name -> seq written in the payload (-1 if none yet).
  std::map<std::string, int64_t> registrations(const std::string& uuid) const {
    std::map<std::string, int64_t> out;
    for (const auto& name : server.children(std::string(kCluster) + "/pods")) {
      if (name.rfind(uuid + ".", 0) != 0) continue;
      const auto data = server.data(std::string(kCluster) + "/pods/" + name);
      const json payload = json::parse(data->empty() ? "{}" : *data);
      out[name] = payload.value("seq", int64_t{-1});
    }
    return out;
  }

  // The server expires the session while the pod is away; it hears so on
  // reconnecting.
  void expire_last_session() {
    FakeZkSession* session = server.last_session();
    session->lose_connection();
    session->expire();
    clock.run_ready();
    session->connect();
    clock.run_ready();
  }

  ManualScheduler clock;
  FakeZkServer server;
};

TEST_F(CoordinatorTest, RegistersLeadsAndCreatesTheClustersNodesEmpty) {
  auto a = start("aaaa");
  EXPECT_EQ(a->work.calls, std::vector<std::string>{"lead"});
  EXPECT_EQ(a->hints.state(), "leader");
  EXPECT_EQ(registrations("aaaa"), (std::map<std::string, int64_t>{{"aaaa.0000000000", 0}}));
  EXPECT_EQ(a->hints.registration()["seq"], 0);
  for (const char* leaf : {"/pods", "/hash", "/coordinator"}) {
    ASSERT_TRUE(server.data(std::string(kCluster) + leaf)) << leaf;
    EXPECT_EQ(*server.data(std::string(kCluster) + leaf), "") << leaf;
  }
}

TEST_F(CoordinatorTest, AConnectedPodWritesNothingUntilItStarts) {
  Pod a(clock, server, "aaaa");
  a.coordinator->connect();
  clock.run_ready();
  EXPECT_EQ(server.opened(), 1) << "connect() opens the session at once";
  EXPECT_FALSE(server.exists(kCluster)) << "the control port may not listen yet";
  EXPECT_TRUE(a.registered.empty());
  EXPECT_EQ(a.hints.state(), "follower");
  a.coordinator->start();
  clock.run_ready();
  EXPECT_EQ(server.opened(), 1) << "start() uses the session connect() opened";
  EXPECT_EQ(registrations("aaaa"), (std::map<std::string, int64_t>{{"aaaa.0000000000", 0}}));
  EXPECT_EQ(a.work.calls, std::vector<std::string>{"lead"});
}

TEST_F(CoordinatorTest, TheNextInLineLeadsWhenTheLeaderLeaves) {
  auto a = start("aaaa");
  auto b = start("bbbb");
  EXPECT_EQ(b->hints.state(), "follower");
  EXPECT_TRUE(b->work.calls.empty());
  a.reset();
  clock.run_ready();
  EXPECT_EQ(b->work.calls, std::vector<std::string>{"lead"});
  EXPECT_EQ(b->hints.state(), "leader");
}

// The fence each on_lead gives is the czxid of the leader's lock node: it
// grows from one leadership to the next, the lock's deposed holder hears its
// node go, and a new node of its own while it leads is a new leadership.
TEST_F(CoordinatorTest, EveryLeadershipHasAHigherFenceEvenWhenTheLockStartsOver) {
  const std::string dir = std::string(kCluster) + "/coordinator";
  const auto czxid = [&](const std::string& name) {
    ZkStat stat;
    EXPECT_EQ(server.last_session()->exists(dir + "/" + name, &stat, false), 0);
    return static_cast<uint64_t>(stat.czxid);
  };
  // The contender first in line (names sort by their random prefix).
  const auto first_in_line = [&] {
    auto names = server.children(dir);
    return *std::min_element(names.begin(), names.end(), [](const auto& x, const auto& y) {
      return lock_sequence(x) < lock_sequence(y);
    });
  };
  auto a = start("aaaa");
  auto b = start("bbbb");
  ASSERT_EQ(a->work.fences.size(), 1u);
  const auto a_node = first_in_line();
  EXPECT_EQ(a->work.fences[0], czxid(a_node));

  // a's node deleted behind its back: b leads with a higher fence, and a
  // hears it lost the lock.
  ASSERT_EQ(server.remove(dir + "/" + a_node), 0);
  clock.run_ready();
  EXPECT_EQ(a->work.calls, (std::vector<std::string>{"lead", "lose"}));
  EXPECT_EQ(a->hints.state(), "follower");
  ASSERT_EQ(b->work.fences.size(), 1u);
  EXPECT_GT(b->work.fences[0], a->work.fences[0]);

  // Every lock node and `coordinator` itself deleted and made again: b's new
  // node has suffix 0 and leads again, with a higher fence still.
  a.reset();
  clock.run_ready();
  const auto b_node = first_in_line();
  ASSERT_EQ(server.remove(dir + "/" + b_node), 0);
  ASSERT_EQ(server.remove(dir), 0);
  ASSERT_EQ(server.create(dir), 0);
  clock.run_ready();
  ASSERT_EQ(server.children(dir).size(), 1u);
  EXPECT_LT(lock_sequence(server.children(dir).front()), lock_sequence(b_node));
  EXPECT_EQ(b->work.calls, (std::vector<std::string>{"lead", "lose", "lead"}));
  ASSERT_EQ(b->work.fences.size(), 2u);
  EXPECT_GT(b->work.fences[1], b->work.fences[0]);
  EXPECT_EQ(b->work.fences[1], czxid(server.children(dir).front()));
  EXPECT_EQ(b->hints.state(), "leader");
}

TEST_F(CoordinatorTest, AConnectionBackInTimePausesAndResumesTheLeaderOnTheSameNodes) {
  auto a = start("aaaa");
  FakeZkSession* session = server.last_session();
  const auto nodes = server.children(std::string(kCluster) + "/coordinator");
  session->lose_connection();
  clock.run_ready();
  EXPECT_EQ(a->work.calls, (std::vector<std::string>{"lead", "pause"}));
  clock.advance(kTimeout - 1ms);
  session->connect();
  clock.advance(10 * kTimeout);
  EXPECT_EQ(a->work.calls, (std::vector<std::string>{"lead", "pause", "resume"}));
  EXPECT_EQ(server.opened(), 1);
  EXPECT_EQ(server.children(std::string(kCluster) + "/coordinator"), nodes);
  EXPECT_EQ(registrations("aaaa").size(), 1u);
}

TEST_F(CoordinatorTest, SuspendedForOneTimeoutLosesAndRegistersAgainWithTheSameSeq) {
  auto other = start("0000");  // takes suffix 0 so that our seq is 1
  auto a = start("aaaa");
  ASSERT_EQ(registrations("aaaa"), (std::map<std::string, int64_t>{{"aaaa.0000000001", 1}}));
  other.reset();
  clock.run_ready();
  ASSERT_EQ(a->work.calls, std::vector<std::string>{"lead"});
  server.last_session()->lose_connection();
  clock.run_ready();
  clock.advance(kTimeout - 1ms);
  EXPECT_EQ(a->work.calls.back(), "pause");
  EXPECT_EQ(server.opened(), 2);
  clock.advance(1ms);  // the local timer: assume expired, renew
  EXPECT_EQ(server.opened(), 3);
  EXPECT_EQ(a->work.calls, (std::vector<std::string>{"lead", "pause", "lose", "lead"}));
  const auto nodes = registrations("aaaa");
  ASSERT_EQ(nodes.size(), 1u);
  EXPECT_NE(nodes.begin()->first, "aaaa.0000000001");
  EXPECT_EQ(nodes.begin()->second, 1);
}

TEST_F(CoordinatorTest, AFollowerWaitsThreeTimeoutsForTheServersWordBeforeRenewing) {
  auto leader = start("0000");
  auto a = start("aaaa");
  ASSERT_EQ(a->work.calls, std::vector<std::string>{});
  FakeZkSession* session = server.last_session();
  const int opened = server.opened();
  const auto nodes = registrations("aaaa");
  // A server slow to answer, not a dead session: back after two timeouts,
  // the same session and nodes, nothing registered again.
  session->lose_connection();
  clock.run_ready();
  clock.advance(2 * kTimeout);
  EXPECT_EQ(server.opened(), opened) << "a follower renewed after one timeout";
  session->connect();
  clock.run_ready();
  EXPECT_EQ(registrations("aaaa"), nodes);
  // Still nothing from the server after three: assumed expired, renewed.
  session->lose_connection();
  clock.run_ready();
  clock.advance(3 * kTimeout - 1ms);
  EXPECT_EQ(server.opened(), opened);
  clock.advance(1ms);
  EXPECT_EQ(server.opened(), opened + 1);
  EXPECT_EQ(a->work.calls, std::vector<std::string>{}) << "it never led";
}

TEST_F(CoordinatorTest, ServerExpiryHeardOnReconnectRenewsTheSession) {
  auto a = start("aaaa");
  expire_last_session();
  EXPECT_EQ(server.opened(), 2);
  EXPECT_EQ(a->work.calls, (std::vector<std::string>{"lead", "pause", "lose", "lead"}));
  EXPECT_EQ(registrations("aaaa").begin()->second, 0);
}

TEST_F(CoordinatorTest, EachNewRegistrationIsToldByItsCzxidOnceTheNodeIsReadBack) {
  auto a = start("aaaa");
  const std::string first = std::string(kCluster) + "/pods/" + registrations("aaaa").begin()->first;
  ASSERT_EQ(a->registered.size(), 1u);
  EXPECT_EQ(a->registered[0], static_cast<uint64_t>(server.czxid(first)));
  clock.advance(kTimeout);  // nothing new: told nothing
  EXPECT_EQ(a->registered.size(), 1u);
  expire_last_session();
  const std::string second =
      std::string(kCluster) + "/pods/" + registrations("aaaa").begin()->first;
  ASSERT_NE(second, first);
  ASSERT_EQ(a->registered.size(), 2u);
  EXPECT_EQ(a->registered[1], static_cast<uint64_t>(server.czxid(second)));
  EXPECT_GT(a->registered[1], a->registered[0]);
}

TEST_F(CoordinatorTest, OurNodeDeletedBySomeoneElseComesBackWithTheSameUuidAndSeq) {
  auto a = start("aaaa");
  ASSERT_EQ(server.remove(std::string(kCluster) + "/pods/aaaa.0000000000"), 0);
  clock.run_ready();
  const auto nodes = registrations("aaaa");
  ASSERT_EQ(nodes.size(), 1u);
  EXPECT_NE(nodes.begin()->first, "aaaa.0000000000");
  EXPECT_EQ(nodes.begin()->second, 0);
  EXPECT_EQ(a->work.calls, std::vector<std::string>{"lead"});  // the lock was never touched
  EXPECT_EQ(server.opened(), 1);
}

TEST_F(CoordinatorTest, ARegistrationCreateThatReportedConnectionLossIsNotDuplicated) {
  server.before_call = [this](const std::string& call, const std::string& path) {
    if (call == "create" && path == std::string(kCluster) + "/pods/aaaa.") {
      server.before_call = nullptr;
      server.last_session()->lose_next_create();
    }
  };
  auto a = start("aaaa");
  EXPECT_TRUE(a->work.calls.empty());
  server.last_session()->connect();
  clock.run_ready();
  EXPECT_EQ(registrations("aaaa"), (std::map<std::string, int64_t>{{"aaaa.0000000000", 0}}));
  EXPECT_EQ(a->work.calls, std::vector<std::string>{"lead"});
}

TEST_F(CoordinatorTest, AuthenticationFailuresReopenAfterABackoffDoublingFromOneSecondToAMinute) {
  server.auto_connect = false;
  auto a = start("aaaa");
  ASSERT_EQ(server.opened(), 1);
  // Each new session connects and fails its authentication before any of its
  // calls is answered (the client sends the credentials first).
  std::vector<long> waits;
  for (int failure = 0; failure < 9; ++failure) {
    server.last_session()->connect();
    server.last_session()->fail_auth();
    clock.run_ready();
    const int opened = server.opened();
    const auto wait = clock.next_timer_in();
    clock.advance(wait - 1ms);
    EXPECT_EQ(server.opened(), opened) << "re-opened before its backoff";
    clock.advance(1ms);
    ASSERT_EQ(server.opened(), opened + 1) << "not re-opened after its backoff";
    waits.push_back(
        static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(wait).count()));
  }
  EXPECT_EQ(waits, (std::vector<long>{1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000}));
  EXPECT_TRUE(registrations("aaaa").empty());
  // A session that works resets the backoff.
  server.last_session()->connect();
  clock.run_ready();
  EXPECT_EQ(a->hints.state(), "leader");
  server.last_session()->fail_auth();
  clock.run_ready();
  EXPECT_EQ(clock.next_timer_in(), 1000ms);
}

TEST_F(CoordinatorTest, WatchesOutsideOurNodesGoToTheLeaderOnlyWhileItLeads) {
  auto a = start("aaaa");
  FakeZkSession* a_session = server.last_session();
  auto b = start("bbbb");
  FakeZkSession* b_session = server.last_session();
  const std::string hash = std::string(kCluster) + "/hash";
  // Both sessions watch the hash (as the leader work does on its session).
  ASSERT_EQ(a_session->exists(hash, nullptr, true), 0);
  ASSERT_EQ(b_session->exists(hash, nullptr, true), 0);
  ASSERT_EQ(server.set(hash, "x"), 0);
  clock.run_ready();
  EXPECT_EQ(a->work.calls, (std::vector<std::string>{"lead", "watch " + hash}));
  EXPECT_TRUE(b->work.calls.empty());
  // What fires while the leader is cut off reaches it once it has resumed.
  ASSERT_EQ(a_session->exists(hash, nullptr, true), 0);
  a_session->lose_connection();
  clock.run_ready();
  ASSERT_EQ(server.set(hash, "y"), 0);
  clock.run_ready();
  EXPECT_EQ(a->work.calls.back(), "pause");
  a_session->connect();
  clock.run_ready();
  EXPECT_EQ(a->work.calls, (std::vector<std::string>{"lead", "watch " + hash, "pause", "resume",
                                                     "watch " + hash}));
}

TEST_F(CoordinatorTest, StopClosesTheSessionAndItsEphemeralsGoAtOnce) {
  auto a = start("aaaa");
  a->coordinator->stop();
  EXPECT_TRUE(registrations("aaaa").empty());
  EXPECT_TRUE(server.children(std::string(kCluster) + "/coordinator").empty());
  EXPECT_EQ(a->work.calls, (std::vector<std::string>{"lead", "lose"}));
  EXPECT_EQ(server.last_session(), nullptr);
}

// The ring's lines holding `text`.
// Logging into the ring only, for the tests that read their log lines.
void quiet_log() {
  log::Options options;
  options.console = false;
  log::setup(options);
}

int log_lines_with(const std::string& text) {
  int n = 0;
  for (const auto& line : log::recent()) n += line.find(text) != std::string::npos ? 1 : 0;
  return n;
}

TEST_F(CoordinatorTest, WithCredentialsTheClustersNodesGetTheChosenAclAndTheAncestorsStayOpen) {
  for (const auto mode : {ZkAclMode::kRead, ZkAclMode::kPrivate}) {
    FakeZkServer fresh;
    auto pod = std::make_unique<Pod>(clock, fresh, "aaaa", mode, test::address_with_credentials());
    pod->coordinator->start();
    clock.run_ready();
    ASSERT_EQ(pod->hints.state(), "leader") << to_string(mode);
    const auto wanted = zk_acl_for(mode, test::address_with_credentials());
    EXPECT_EQ(fresh.acl("/ochopod"), zk_open_acl());
    EXPECT_EQ(fresh.acl("/ochopod/clusters"), zk_open_acl());
    const std::string cluster = kCluster;
    std::vector<std::string> nodes = {cluster, cluster + "/pods", cluster + "/hash",
                                      cluster + "/coordinator"};
    for (const auto& name : fresh.children(cluster + "/pods"))
      nodes.push_back(cluster + "/pods/" + name);
    for (const auto& name : fresh.children(cluster + "/coordinator"))
      nodes.push_back(cluster + "/coordinator/" + name);
    ASSERT_EQ(nodes.size(), 6u);
    for (const auto& node : nodes) EXPECT_EQ(fresh.acl(node), wanted) << node;
    pod->coordinator->stop();
  }
}

TEST_F(CoordinatorTest, WithoutCredentialsOrWithOpenEverythingIsOpen) {
  auto a = start("aaaa", ZkAclMode::kOpen, test::address_with_credentials());
  ASSERT_EQ(a->hints.state(), "leader");
  EXPECT_EQ(server.acl(kCluster), zk_open_acl());
  EXPECT_EQ(server.acl(std::string(kCluster) + "/pods"), zk_open_acl());
}

TEST_F(CoordinatorTest, AClusterNodeWithAnotherAclIsUsedAsItIsWithOneWarning) {
  quiet_log();
  ASSERT_EQ(server.create("/ochopod"), 0);
  ASSERT_EQ(server.create("/ochopod/clusters"), 0);
  ASSERT_EQ(server.create(kCluster), 0);
  const std::string warning = std::string(kCluster) + " exists with the ACL [world:anyone:cdrwa]";
  const int before = log_lines_with(warning);
  auto a = start("aaaa", ZkAclMode::kRead, test::address_with_credentials());
  EXPECT_EQ(a->hints.state(), "leader");
  EXPECT_EQ(server.acl(kCluster), zk_open_acl()) << "the existing node's ACL was changed";
  EXPECT_EQ(log_lines_with(warning), before + 1);
  // Not again for the next session.
  a->coordinator->renew();
  clock.run_ready();
  EXPECT_EQ(registrations("aaaa").size(), 1u);
  EXPECT_EQ(log_lines_with(warning), before + 1);
}

TEST_F(CoordinatorTest, RefusedByAnAclItSaysSoOnceARetryAndBacksOffUpToTenSeconds) {
  quiet_log();
  server.refuse_writes_under = kCluster;
  const std::string error = "ZooKeeper refused to create or change the nodes under " +
                            std::string(kCluster) + " (not authenticated)";
  const int before = log_lines_with(error);
  auto a = start("aaaa");
  EXPECT_EQ(log_lines_with(error), before + 1);
  EXPECT_EQ(log_lines_with("give its credentials as zk://user:pass@"), before + 1);
  std::vector<long> waits;
  for (int attempt = 0; attempt < 6; ++attempt) {
    const auto wait = clock.next_timer_in();
    waits.push_back(
        static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(wait).count()));
    clock.advance(wait);
  }
  EXPECT_EQ(waits, (std::vector<long>{1000, 2000, 4000, 8000, 10000, 10000}));
  EXPECT_EQ(log_lines_with(error), before + 7) << "one line per attempt";
  EXPECT_EQ(server.opened(), 1) << "the same session retries";
  EXPECT_NE(a->hints.state(), "leader");
  // Let in, it registers at its next retry.
  server.refuse_writes_under.clear();
  clock.advance(clock.next_timer_in());
  EXPECT_EQ(registrations("aaaa").size(), 1u);
  EXPECT_EQ(a->hints.state(), "leader");
}

// Leaving before stopping (docs/protocol.md 7): an `off` withdraws the pod
// while it stays registered, and hears back once the snapshot dropped it.
TEST_F(CoordinatorTest, WithdrawMarksThePodAndAnswersOnceTheSnapshotNoLongerListsIt) {
  auto a = start("aaaa");
  const std::string snapshot = std::string(kCluster) + "/snapshot";
  ASSERT_EQ(server.create(snapshot, R"({"aaaa":{"ip":"1.2.3.4"}})"), 0);
  std::vector<bool> outs;
  a->coordinator->withdraw(1000ms, [&](bool out) { outs.push_back(out); });
  clock.run_ready();
  EXPECT_TRUE(server.exists(std::string(kCluster) + "/withdrawn/aaaa"));
  EXPECT_TRUE(outs.empty()) << "answered while the snapshot still lists the pod";
  EXPECT_EQ(registrations("aaaa").size(), 1u) << "a withdrawn pod stays registered";
  ASSERT_EQ(server.set(snapshot, "{}"), 0);
  clock.run_ready();
  EXPECT_EQ(outs, std::vector<bool>{true});
  clock.advance(2000ms);  // its limit passes: no second answer
  EXPECT_EQ(outs, std::vector<bool>{true});
  a->coordinator->rejoin();
  clock.run_ready();
  EXPECT_FALSE(server.exists(std::string(kCluster) + "/withdrawn/aaaa"));
}

TEST_F(CoordinatorTest, AWithdrawalNobodyHonoursGivesUpAtItsLimit) {
  auto a = start("aaaa");
  ASSERT_EQ(server.create(std::string(kCluster) + "/snapshot", R"({"aaaa":{}})"), 0);
  std::vector<bool> outs;
  a->coordinator->withdraw(1000ms, [&](bool out) { outs.push_back(out); });
  clock.advance(999ms);
  EXPECT_TRUE(outs.empty());
  clock.advance(1ms);
  EXPECT_EQ(outs, std::vector<bool>{false});
}

TEST_F(CoordinatorTest, AWithdrawalOutlivesARenewedSession) {
  auto a = start("aaaa");
  a->coordinator->withdraw(1000ms, [](bool) {});
  clock.run_ready();
  expire_last_session();
  ASSERT_EQ(server.opened(), 2);
  EXPECT_TRUE(server.exists(std::string(kCluster) + "/withdrawn/aaaa"))
      << "the new session must withdraw again";
  EXPECT_EQ(registrations("aaaa").size(), 1u);
}

TEST_F(CoordinatorTest, LeavingDeletesTheRegistrationForGood) {
  auto a = start("aaaa");
  ASSERT_EQ(registrations("aaaa").size(), 1u);
  // No snapshot lists the pod: out at once.
  EXPECT_TRUE(a->coordinator->leave(std::chrono::steady_clock::now() + 1s));
  EXPECT_TRUE(registrations("aaaa").empty());
  clock.run_ready();
  EXPECT_TRUE(registrations("aaaa").empty()) << "registered again after leaving";
  a->coordinator->renew();  // a new session must not bring it back either
  clock.run_ready();
  EXPECT_TRUE(registrations("aaaa").empty());
}

TEST_F(CoordinatorTest, ALeaderHandsOffWhileItsSessionLives) {
  auto a = start("aaaa");
  auto b = start("bbbb");
  ASSERT_EQ(a->hints.state(), "leader");
  // No snapshot to take over: the lock goes, nothing to wait for.
  EXPECT_TRUE(a->coordinator->hand_off(std::chrono::steady_clock::now() + 1s));
  clock.run_ready();
  EXPECT_EQ(a->work.calls, (std::vector<std::string>{"lead", "lose"}));
  EXPECT_EQ(b->work.calls, std::vector<std::string>{"lead"});
  EXPECT_EQ(server.opened(), 2) << "a's session is still open";
  // Alone, a leader has nobody to hand over to.
  auto c = start("cccc");
  b.reset();
  clock.run_ready();
  ASSERT_EQ(c->hints.state(), "leader");
  EXPECT_FALSE(c->coordinator->hand_off(std::chrono::steady_clock::now() + 1s));
  EXPECT_EQ(c->hints.state(), "follower") << "it gave the lock up all the same";
}

}  // namespace
}  // namespace ochopod
