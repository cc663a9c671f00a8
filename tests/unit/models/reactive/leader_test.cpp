// ReactiveLeader on the in-memory ZooKeeper and a manual clock, its rounds
// run by a fake that records their plans: the damper and its countdown, the
// backoffs of a failed round and of a failed write, pausing and losing the
// lead with a round in flight, pods leaving or withdrawing, and what a new
// leader publishes. The test drives the leader as the Coordinator does
// (runtime/zk/coordinator.h, LeaderWork): on_lead and the rest on the loop,
// watch events posted there. The real rounds, ZooKeeper and pods are the
// integration suites' (tests/integration/reactive_test.cpp).
#include "models/reactive/leader.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "harness/fake_zk_session.h"
#include "harness/manual_scheduler.h"
#include "harness/proc_tree.h"
#include "models/reactive/snapshot.h"

namespace ochopod {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using test::ManualScheduler;
using Durations = std::vector<Scheduler::Clock::duration>;

json registration(int n) {
  return {{"ip", "10.0.0." + std::to_string(n)},
          {"port", "8080"},
          {"ports", {{"8080", 9000 + n}}},
          {"seq", n}};
}

// Pod n's uuid: "pod1", "pod2"...
std::string uuid(int n) { return "pod" + std::to_string(n); }

// uuid -> registration, for pods ns.
json pods_of(const std::vector<int>& ns) {
  json out = json::object();
  for (int n : ns) out[uuid(n)] = registration(n);
  return out;
}

// What the leader stores for a cluster without dependencies.
std::string hash_of(const std::vector<int>& ns) {
  return snapshot_hash(json{{"local", pods_of(ns)}});
}

class LeaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    settings.ns = "ns";
    settings.cluster = "web";
    model.probe_every = std::chrono::hours(24);  // no probe in the way
    session = server.open(
        [this](ZkEvent event) {
          loop.post([this, event] {
            if (event.kind == ZkEvent::Kind::kWatch && leader) leader->on_watch(event);
          });
        },
        3000ms);
    for (const std::string* path : {&paths.pods, &paths.hash, &paths.lock}) {
      ASSERT_EQ(session->ensure_path(*path), 0) << *path;
    }
    loop.run_ready();
  }
  void TearDown() override {
    leader.reset();
    session.reset();
  }

  // Takes the lead. hold_rounds: rounds wait in `rounds` until the test
  // runs them; else they run on the loop as soon as they are posted.
  // fence: the leadership's (LeaderWork::on_lead).
  void lead(bool hold_rounds = false, uint64_t fence = 41) {
    ReactiveLeader::Worker worker;
    worker.loop = hold_rounds ? static_cast<Scheduler*>(&rounds) : &loop;
    worker.run_round = [this](const RoundPlan& plan) { return run(plan); };
    leader = std::make_unique<ReactiveLeader>(model, services, std::move(worker));
    leader->on_lead(*session, fence);
    loop.run_ready();
  }

  // One pod, and a round of it in flight, held.
  void start_a_held_round() {
    join(1);
    lead(/*hold_rounds=*/true);
    loop.advance(0s);
  }

  // Runs the rounds held in `rounds` and hands their outcome to the leader.
  void run_held_rounds() {
    loop.run_ready();
    rounds.run_ready();
    loop.run_ready();
  }

  RoundResult run(const RoundPlan& plan) {
    plans.push_back(plan);
    started.push_back(loop.now().time_since_epoch());
    RoundResult result;
    if (plan.cancel && plan.cancel->cancelled()) {
      result.cancelled = true;
      result.error = "cancelled: the leader may not lead";
    } else if (fail_rounds) {
      result.error = "check failed on http://10.0.0.1:9001 (HTTP 500)";
    } else {
      result.ok = true;
      result.configured = plan.pods;
    }
    return result;
  }

  std::string node(int n) const { return paths.pod(uuid(n) + ".000000000" + std::to_string(n)); }
  void join(int n) {
    ASSERT_EQ(server.create(node(n), registration(n).dump()), 0);
    loop.run_ready();
  }
  void leave(int n) {
    ASSERT_EQ(server.remove(node(n)), 0);
    loop.run_ready();
  }
  void withdraw(int n) {
    if (!server.exists(paths.withdrawn)) server.create(paths.withdrawn);
    loop.run_ready();
    ASSERT_EQ(server.create(paths.withdrawn_pod(uuid(n))), 0);
    loop.run_ready();
  }

  // The published snapshot; null when there is none.
  json snapshot() const {
    const auto data = server.data(paths.snapshot);
    return data ? json::parse(*data) : json();
  }
  std::string stored_hash() const { return server.data(paths.hash).value_or(""); }
  std::string state() const { return hints.state(); }
  std::string status() const { return hints.info().value("status", ""); }
  // The gaps between the rounds' starts.
  Durations gaps() const {
    Durations out;
    for (size_t i = 1; i < started.size(); ++i) out.push_back(started[i] - started[i - 1]);
    return out;
  }

  ManualScheduler loop;
  ManualScheduler rounds;
  test::FakeZkServer server;
  std::unique_ptr<test::FakeZkSession> session;
  const ClusterPaths paths{"ns.web"};
  PodSettings settings;
  const std::string leader_uuid = "leader";
  Hints hints;
  Reaper reaper;
  Metrics metrics;
  NoPresence presence;
  PodServices services{settings, leader_uuid, loop, loop, hints, reaper, metrics, presence, {}};
  Reactive model;
  bool fail_rounds = false;
  std::vector<RoundPlan> plans;
  Durations started;
  std::unique_ptr<ReactiveLeader> leader;
};

TEST_F(LeaderTest, ARoundComesOnceTheDamperHasPassedAndItsOutcomeIsStored) {
  model.damper = 5s;
  join(1);
  join(2);
  lead();
  loop.advance(5s - 1ms);
  EXPECT_TRUE(plans.empty()) << "a round before the damper passed";
  EXPECT_FALSE(server.exists(paths.snapshot));
  loop.advance(1ms);
  ASSERT_EQ(plans.size(), 1u);
  EXPECT_EQ(plans[0].pods, pods_of({1, 2}));
  EXPECT_EQ(snapshot(), pods_of({1, 2}));
  EXPECT_EQ(server.owner(paths.snapshot), session->id()) << "the snapshot is our ephemeral";
  EXPECT_EQ(stored_hash(), hash_of({1, 2}));
  EXPECT_EQ(state(), "leader");
  EXPECT_EQ(status(), "");
  loop.advance(1h);
  EXPECT_EQ(plans.size(), 1u) << "a configured cluster needs no other round";
}

// Each round carries the fence of the leadership it runs for, which its
// requests send (docs/protocol.md 7, "A fenced leader").
TEST_F(LeaderTest, ARoundCarriesTheFenceOfItsLeadership) {
  model.damper = 1s;
  join(1);
  lead(false, 41);
  loop.advance(1s);
  ASSERT_EQ(plans.size(), 1u);
  EXPECT_EQ(plans[0].fence, 41u);
  // The lock again, with a new node: a new leadership, a higher fence.
  leader->on_lose();
  leader->on_lead(*session, 97);
  join(2);
  loop.advance(1s);
  ASSERT_EQ(plans.size(), 2u);
  EXPECT_EQ(plans[1].fence, 97u);
}

// The damper runs from the first change; later ones fall in the same round,
// which reads the cluster as it is when it starts.
TEST_F(LeaderTest, AChangeDuringTheDamperJoinsTheRoundAlreadyDue) {
  model.damper = 5s;
  join(1);
  lead();
  loop.advance(3s);
  join(2);
  EXPECT_EQ(status(), "configuring in 2 s");
  loop.advance(2s - 1ms);
  EXPECT_TRUE(plans.empty());
  loop.advance(1ms);
  ASSERT_EQ(plans.size(), 1u);
  EXPECT_EQ(plans[0].pods, pods_of({1, 2}));
  loop.advance(1h);
  EXPECT_EQ(plans.size(), 1u);
}

TEST_F(LeaderTest, AChangeUndoneWithinTheDamperCostsNoRound) {
  model.damper = 5s;
  join(1);
  lead();
  loop.advance(5s);
  ASSERT_EQ(plans.size(), 1u);
  join(2);
  EXPECT_EQ(state(), "leader (configuration pending)");
  loop.advance(2s);
  leave(2);
  EXPECT_EQ(state(), "leader");
  EXPECT_EQ(status(), "");
  loop.advance(1h);
  EXPECT_EQ(plans.size(), 1u);
}

// A round costs every pod about ReactiveLeader::kRoundSpacingPerPod of CPU:
// the next one starts no sooner than that per pod after it ended, even with
// damper 0, so pods arriving one by one cost each pod a bounded number of
// rounds; a change after a quieter spell is configured at once.
TEST_F(LeaderTest, BackToBackRoundsAreSpacedByTheirCostPerPod) {
  static_assert(ReactiveLeader::kRoundSpacingPerPod == 1ms);
  for (int n = 1; n <= 10; ++n) join(n);
  lead();
  loop.advance(0s);
  ASSERT_EQ(plans.size(), 1u);
  join(11);
  loop.advance(11ms - 1ms);
  EXPECT_EQ(plans.size(), 1u) << "a round less than 11 ms after the last, with 11 pods";
  EXPECT_EQ(state(), "leader (configuration pending)");
  join(12);  // falls in the round already due, which reads the view as it starts
  loop.advance(1ms);
  ASSERT_EQ(plans.size(), 2u);
  EXPECT_EQ(gaps(), (Durations{11ms}));
  EXPECT_EQ(plans[1].pods.size(), 12u);
  loop.advance(1s);
  join(13);
  loop.advance(0s);
  ASSERT_EQ(plans.size(), 3u) << "a change after a quiet spell waited";
  EXPECT_EQ(gaps(), (Durations{11ms, 1s}));
}

TEST_F(LeaderTest, TheStatusCountsTheDamperDownThenSaysTheRoundRuns) {
  model.damper = 3s;
  join(1);
  lead(/*hold_rounds=*/true);
  EXPECT_EQ(state(), "leader (configuration pending)");
  std::vector<std::string> seen{status()};
  for (int i = 0; i < 2; ++i) {
    loop.advance(1s);
    seen.push_back(status());
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"configuring in 3 s", "configuring in 2 s",
                                            "configuring in 1 s"}));
  loop.advance(1s);
  EXPECT_EQ(state(), "leader (configuring)");
  EXPECT_EQ(status(), "");
  run_held_rounds();
  EXPECT_EQ(state(), "leader");
}

// From max(damper, 1 s), doubling, capped at 60 s; a round that works
// resets it.
TEST_F(LeaderTest, AFailedRoundIsRetriedWithABackoffThatDoublesUpToAMinute) {
  fail_rounds = true;
  join(1);
  lead();
  loop.advance(0s);
  loop.advance(4min);
  EXPECT_EQ(gaps(), (Durations{1s, 2s, 4s, 8s, 16s, 32s, 60s, 60s}));
  EXPECT_EQ(state(), "leader (configuration pending)");
  EXPECT_FALSE(server.exists(paths.snapshot)) << "a failed round publishes nothing";
  fail_rounds = false;
  loop.advance(60s);
  ASSERT_EQ(snapshot(), pods_of({1}));
  started.clear();
  fail_rounds = true;
  join(2);
  loop.advance(3s);
  EXPECT_EQ(gaps(), (Durations{1s, 2s})) << "the backoff starts over after a round that worked";
}

TEST_F(LeaderTest, TheRoundBackoffStartsAtTheDamper) {
  model.damper = 5s;
  fail_rounds = true;
  join(1);
  lead();
  loop.advance(5s + 5s + 10s + 20s);
  EXPECT_EQ(gaps(), (Durations{5s, 10s, 20s}));
}

// A round that worked is not redone for a failed write: only the writes are
// retried, 1 s doubling.
TEST_F(LeaderTest, AFailedWriteRetriesTheWriteOnlyWithItsOwnBackoff) {
  Durations writes;
  server.before_call = [&](const std::string& call, const std::string& path) {
    if (call == "set" && path == paths.hash) writes.push_back(loop.now().time_since_epoch());
  };
  server.refuse_writes_under = paths.hash;
  join(1);
  lead();
  loop.advance(0s);
  ASSERT_EQ(plans.size(), 1u);
  loop.advance(1s + 2s + 4s);
  EXPECT_EQ(writes, (Durations{0s, 1s, 3s, 7s}));
  EXPECT_EQ(stored_hash(), "");
  server.refuse_writes_under.clear();
  loop.advance(8s);
  EXPECT_EQ(stored_hash(), hash_of({1}));
  EXPECT_EQ(writes.size(), 5u);
  EXPECT_EQ(plans.size(), 1u) << "the write's failure brought another round";
  EXPECT_EQ(state(), "leader");
}

TEST_F(LeaderTest, APauseCancelsTheRoundInFlightAndTheResumeRedoesIt) {
  start_a_held_round();
  leader->on_pause();
  EXPECT_EQ(state(), "suspended");
  rounds.run_ready();
  ASSERT_EQ(plans.size(), 1u);
  EXPECT_TRUE(plans[0].cancel->cancelled()) << "the round in flight was not cut short";
  loop.advance(10min);
  rounds.run_ready();
  EXPECT_EQ(plans.size(), 1u) << "a round started while suspended";
  EXPECT_FALSE(server.exists(paths.snapshot));

  leader->on_resume(*session);
  run_held_rounds();
  ASSERT_EQ(plans.size(), 2u);
  EXPECT_FALSE(plans[1].cancel->cancelled());
  EXPECT_EQ(snapshot(), pods_of({1}));
  EXPECT_EQ(state(), "leader");
}

TEST_F(LeaderTest, ResumedBeforeTheCutRoundReturnedItRedoesItOnceItHas) {
  start_a_held_round();
  leader->on_pause();
  leader->on_resume(*session);
  loop.run_ready();
  EXPECT_EQ(state(), "leader");
  run_held_rounds();  // the cut round returns: cancelled
  run_held_rounds();  // and is redone
  ASSERT_EQ(plans.size(), 2u);
  EXPECT_TRUE(plans[0].cancel->cancelled());
  EXPECT_EQ(snapshot(), pods_of({1}));
}

TEST_F(LeaderTest, APauseDuringTheDamperStartsNoRoundUntilTheResume) {
  model.damper = 5s;
  join(1);
  lead();
  loop.advance(2s);
  leader->on_pause();
  loop.advance(1h);
  EXPECT_TRUE(plans.empty());
  leader->on_resume(*session);
  loop.run_ready();
  EXPECT_EQ(status(), "configuring in 5 s") << "the damper starts again";
  loop.advance(5s);
  EXPECT_EQ(plans.size(), 1u);
}

TEST_F(LeaderTest, LosingTheLeadCancelsTheRoundAndStoresNothingOfIt) {
  start_a_held_round();
  leader->on_lose();
  run_held_rounds();
  ASSERT_EQ(plans.size(), 1u);
  EXPECT_TRUE(plans[0].cancel->cancelled());
  EXPECT_FALSE(server.exists(paths.snapshot));
  EXPECT_EQ(stored_hash(), "");
  loop.advance(1h);
  rounds.run_ready();
  EXPECT_EQ(plans.size(), 1u);
}

// docs/protocol.md 7, "Leaving before stopping".
TEST_F(LeaderTest, APodThatLeavesDropsOutOfTheSnapshotAtOnceAndARoundFollows) {
  model.damper = 10s;
  for (int n : {1, 2, 3}) join(n);
  lead();
  loop.advance(10s);
  ASSERT_EQ(snapshot(), pods_of({1, 2, 3}));
  leave(2);
  EXPECT_EQ(snapshot(), pods_of({1, 3})) << "without the damper or a round";
  EXPECT_EQ(plans.size(), 1u);
  loop.advance(10s);
  ASSERT_EQ(plans.size(), 2u);
  EXPECT_EQ(plans[1].pods, pods_of({1, 3}));
}

TEST_F(LeaderTest, AWithdrawnPodDropsOutOfTheSnapshotAndBackWithoutARound) {
  for (int n : {1, 2, 3}) join(n);
  lead();
  loop.advance(0s);
  ASSERT_EQ(snapshot(), pods_of({1, 2, 3}));
  withdraw(3);
  EXPECT_EQ(snapshot(), pods_of({1, 2}));
  ASSERT_EQ(server.remove(paths.withdrawn_pod(uuid(3))), 0);
  loop.run_ready();
  EXPECT_EQ(snapshot(), pods_of({1, 2, 3}));
  loop.advance(1h);
  EXPECT_EQ(plans.size(), 1u) << "a withdrawal is no change of the hash";
}

// The previous leader's snapshot, an ephemeral of its session.
class NewLeaderTest : public LeaderTest {
 protected:
  void previous_leader_wrote(const std::vector<int>& ns) {
    previous = server.open([](ZkEvent) {}, 3000ms);
    ASSERT_EQ(previous->create(paths.snapshot, pods_of(ns).dump(), zk::ephemeral(), nullptr), 0);
    ASSERT_EQ(server.set(paths.hash, hash_of(ns)), 0);
  }
  std::unique_ptr<test::FakeZkSession> previous;
};

TEST_F(NewLeaderTest, AdoptsTheSnapshotItFindsUnderItsOwnSession) {
  for (int n : {1, 2}) join(n);
  previous_leader_wrote({1, 2});
  lead();
  EXPECT_EQ(server.owner(paths.snapshot), session->id());
  EXPECT_EQ(snapshot(), pods_of({1, 2}));
  loop.advance(1h);
  EXPECT_TRUE(plans.empty()) << "the cluster is as configured";
  EXPECT_EQ(state(), "leader");
}

TEST_F(NewLeaderTest, RepublishesWhatWasConfiguredUntilItsOwnRound) {
  model.damper = 5s;
  for (int n : {1, 2, 3}) join(n);
  previous_leader_wrote({1, 2});
  lead();
  EXPECT_EQ(server.owner(paths.snapshot), session->id());
  EXPECT_EQ(snapshot(), pods_of({1, 2})) << "pod 3 joined, but no round configured it yet";
  loop.advance(5s);
  ASSERT_EQ(plans.size(), 1u);
  EXPECT_EQ(snapshot(), pods_of({1, 2, 3}));
}

TEST_F(NewLeaderTest, WithoutASnapshotPublishesNothingBeforeItsRound) {
  model.damper = 5s;
  std::vector<std::string> written;
  server.before_call = [&](const std::string& call, const std::string& path) {
    if (path == paths.snapshot && call != "get" && call != "exists") written.push_back(call);
  };
  for (int n : {1, 2}) join(n);
  lead();
  leave(2);
  loop.advance(5s - 1ms);
  EXPECT_TRUE(written.empty()) << "an empty cluster was published";
  EXPECT_FALSE(server.exists(paths.snapshot));
  loop.advance(1ms);
  EXPECT_EQ(snapshot(), pods_of({1}));
}

// No snapshot, but the pods registered are what the stored hash says was
// configured: they are published at once.
TEST_F(NewLeaderTest, WithoutASnapshotPublishesThePodsTheStoredHashSaysWereConfigured) {
  for (int n : {1, 2}) join(n);
  ASSERT_EQ(server.set(paths.hash, hash_of({1, 2})), 0);
  lead();
  EXPECT_EQ(snapshot(), pods_of({1, 2}));
  loop.advance(1h);
  EXPECT_TRUE(plans.empty());
}

// A leader frozen past its session wakes with its round's timer overdue,
// before its client has heard that the server expired the session: the
// round waits for the server to answer, so no pod takes the old fence.
TEST_F(LeaderTest, ARoundStartsOnlyOnceZooKeeperAnswers) {
  model.damper = 1s;
  join(1);
  lead();
  loop.advance(1s);
  ASSERT_EQ(plans.size(), 1u);
  join(2);
  session->lose_connection();  // the client has not told the leader yet
  loop.advance(1s);
  EXPECT_EQ(plans.size(), 1u) << "a round went out on a session nobody answers";
  session->connect();
  loop.advance(1s);
  ASSERT_EQ(plans.size(), 2u);
  EXPECT_EQ(plans.back().pods, pods_of({1, 2}));
}

// Every pod holds a ReactiveLeader and most never lead: its own "leader"
// thread starts with its first round, not with it. Real threads here: the
// coordinator is an EventLoop, and the round runs on the leader's own.
TEST(LeaderThread, StartsWithTheFirstRoundNotWithTheLeader) {
  EventLoop coordinator("coordinator");
  test::FakeZkServer server;
  const ClusterPaths paths{"ns.web"};
  std::unique_ptr<ReactiveLeader> leader;
  std::unique_ptr<test::FakeZkSession> session;
  coordinator.run_sync([&] {
    session = server.open(
        [&](ZkEvent event) {
          coordinator.post([&, event] {
            if (event.kind == ZkEvent::Kind::kWatch && leader) leader->on_watch(event);
          });
        },
        3000ms);
    for (const std::string* path : {&paths.pods, &paths.hash, &paths.lock}) {
      ASSERT_EQ(session->ensure_path(*path), 0) << *path;
    }
    ASSERT_EQ(server.create(paths.pod(uuid(1) + ".0000000001"), registration(1).dump()), 0);
  });
  PodSettings settings;
  settings.ns = "ns";
  settings.cluster = "web";
  const std::string leader_uuid = "leader";
  Hints hints;
  Reaper reaper;
  Metrics metrics;
  NoPresence presence;
  PodServices services{settings, leader_uuid, coordinator, coordinator, hints,
                       reaper,   metrics,     presence,    {}};
  Reactive model;
  model.probe_every = std::chrono::hours(24);
  std::promise<void> ran;
  std::atomic<bool> ran_once{false};
  ReactiveLeader::Worker worker;
  worker.run_round = [&](const RoundPlan& plan) {
    if (!ran_once.exchange(true)) ran.set_value();
    RoundResult result;
    result.ok = true;
    result.configured = plan.pods;
    return result;
  };
  coordinator.run_sync(
      [&] { leader = std::make_unique<ReactiveLeader>(model, services, std::move(worker)); });
  EXPECT_EQ(test::threads_named("leader"), 0) << "a thread started before any round";

  coordinator.run_sync([&] { leader->on_lead(*session, 41); });
  ASSERT_EQ(ran.get_future().wait_for(10s), std::future_status::ready)
      << "no round ran within 10 s of taking the lead, damper 0";
  EXPECT_EQ(test::threads_named("leader"), 1);

  coordinator.run_sync([&] {
    leader.reset();
    session.reset();
  });
  EXPECT_EQ(test::threads_named("leader"), 0) << "the leader's thread outlived it";
}

}  // namespace
}  // namespace ochopod
