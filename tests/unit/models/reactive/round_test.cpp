// A round (run_round) against scripted pods (harness/fake_transport.h): the
// order of its phases, bodies by reference and checks as diffs with their
// fallbacks, dead pods, failures, cancellation and how many pods it calls
// at once. What goes on the real wire is tests/integration/round_cancel_test.cpp's.
#include "models/reactive/round.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "harness/fake_transport.h"

namespace ochopod {
namespace {

using nlohmann::json;
using test::FakeTransport;
using Script = FakeTransport::Script;
using Tasks = std::vector<std::string>;

// The harness's fake speaks runtime types only: this hands it to a round.
class Through final : public PodTransport {
 public:
  explicit Through(FakeTransport& fake) : fake_(fake) {}
  HttpAnswer send(const std::string& url, const HttpRequest& request) override {
    return fake_.send(url, request);
  }

 private:
  FakeTransport& fake_;
};

json registration(int n) {
  return {{"ip", "10.0.0." + std::to_string(n)},
          {"port", "8080"},
          {"ports", {{"8080", 9000 + n}}},
          {"seq", n}};
}

std::string url(int n) {
  return "http://10.0.0." + std::to_string(n) + ":" + std::to_string(9000 + n);
}

class RoundTest : public ::testing::Test {
 protected:
  // Pods "a", "b"... registered as pods 1, 2...
  RoundPlan plan_of(int pods) {
    RoundPlan plan;
    plan.grace = std::chrono::seconds(60);
    for (int n = 1; n <= pods; ++n) {
      plan.pods[std::string(1, static_cast<char>('a' + n - 1))] = registration(n);
    }
    plan.cancel = std::make_shared<RoundCancel>();
    plan.transport = std::make_shared<Through>(fake);
    return plan;
  }
  // The tasks in the order the pods answered them, all pods together.
  Tasks tasks() const {
    Tasks out;
    for (const auto& s : fake.sent()) out.push_back(s.task);
    return out;
  }
  long oks() const {
    const Tasks all = tasks();
    return std::count(all.begin(), all.end(), "ok");
  }

  FakeTransport fake;
};

TEST_F(RoundTest, ChecksThenTurnsEveryPodOnThenSaysOk) {
  RoundPlan plan = plan_of(3);
  const RoundResult result = run_round(plan);
  ASSERT_TRUE(result.ok) << result.error;
  EXPECT_EQ(result.configured, plan.pods);
  EXPECT_EQ(tasks(), (Tasks{"check", "check", "check", "on", "on", "on", "ok", "ok", "ok"}))
      << "a phase starts once the one before has ended";
  for (int n = 1; n <= 3; ++n) {
    EXPECT_EQ(fake.tasks_to(url(n)), (Tasks{"check", "on", "ok"}));
    EXPECT_EQ(fake.sent_to(url(n))[0].path, "/control/check/60");
  }
}

// docs/protocol.md 7, "A fenced leader".
TEST_F(RoundTest, EveryRequestCarriesTheLeadersFenceAndNoneWithoutOne) {
  RoundPlan plan = plan_of(2);
  plan.fence = 4294967311;
  plan.base = std::make_shared<RoundBase>();
  ASSERT_TRUE(run_round(plan).ok);
  ASSERT_EQ(fake.sent().size(), 6u);
  for (const auto& s : fake.sent()) EXPECT_EQ(s.fence, "4294967311") << s.task << " to " << s.url;
  // The next round's check goes as a diff: with the fence too.
  plan.pods["c"] = registration(3);
  ASSERT_TRUE(run_round(plan).ok);
  ASSERT_EQ(fake.sent().size(), 15u);
  EXPECT_FALSE(fake.sent_to(url(1))[3].base.empty()) << "the check went whole";
  for (const auto& s : fake.sent()) EXPECT_EQ(s.fence, "4294967311") << s.task << " to " << s.url;

  FakeTransport unfenced;
  RoundPlan without = plan_of(1);
  without.transport = std::make_shared<Through>(unfenced);
  ASSERT_TRUE(run_round(without).ok);
  for (const auto& s : unfenced.sent()) EXPECT_EQ(s.fence, "") << s.task;
}

// A pod that took a newer leader's fence answers 409: the round fails there
// (the caller retries it with its backoff; the lock tells it it lost).
TEST_F(RoundTest, A409FromAPodThatTookANewerLeadersFenceFailsTheRound) {
  fake.script(url(2), Script::answering("check", 409));
  RoundPlan plan = plan_of(2);
  plan.fence = 5;
  const RoundResult result = run_round(plan);
  EXPECT_FALSE(result.ok);
  EXPECT_FALSE(result.cancelled);
  EXPECT_NE(result.error.find("HTTP 409"), std::string::npos) << result.error;
  EXPECT_NE(result.error.find("newer leader"), std::string::npos) << result.error;
  EXPECT_EQ(oks(), 0);
  EXPECT_EQ(fake.tasks_to(url(1)), (Tasks{"check"}));
}

TEST_F(RoundTest, AFullShutdownTurnsEveryPodOffBeforeAnyOn) {
  RoundPlan plan = plan_of(2);
  plan.full_shutdown = true;
  ASSERT_TRUE(run_round(plan).ok);
  EXPECT_EQ(tasks(), (Tasks{"check", "check", "off", "off", "on", "on", "ok", "ok"}));
}

TEST_F(RoundTest, AKeptBodyIsNamedByItsIdAndAPythonPodGetsItWholeEachTime) {
  fake.script(url(2), Script::python_pod());
  RoundPlan plan = plan_of(2);
  ASSERT_TRUE(run_round(plan).ok);
  const auto ours = fake.sent_to(url(1));
  ASSERT_EQ(ours.size(), 3u);
  const json check = json::parse(ours[0].body);
  EXPECT_EQ(check.at("key"), "a");
  EXPECT_EQ(check.at("pods"), plan.pods);
  ASSERT_FALSE(ours[0].id.empty());
  for (size_t i = 1; i < 3; ++i) {
    EXPECT_TRUE(ours[i].body.empty()) << ours[i].task << " sent the kept body again";
    EXPECT_EQ(ours[i].ref, ours[0].id) << ours[i].task;
  }
  for (const auto& s : fake.sent_to(url(2))) {
    EXPECT_TRUE(s.ref.empty()) << s.task;
    EXPECT_EQ(json::parse(s.body).at("key"), "b") << s.task;
  }
}

TEST_F(RoundTest, APodThatLostTheBodyAnswers412AndGetsItWhole) {
  fake.on_request = [&](const FakeTransport::Sent& s) {
    if (s.task == "on") fake.script(url(1), Script::forgetting());  // after it said it kept check's
  };
  ASSERT_TRUE(run_round(plan_of(1)).ok);
  const auto sent = fake.sent_to(url(1));
  ASSERT_EQ(fake.tasks_to(url(1)), (Tasks{"check", "on", "on", "ok"}));
  EXPECT_EQ(sent[1].ref, sent[0].id);
  EXPECT_EQ(sent[1].status, 412);
  EXPECT_TRUE(sent[2].ref.empty());
  EXPECT_EQ(sent[2].body, sent[0].body) << "the 412 was not followed by the whole body";
  EXPECT_EQ(sent[2].id, sent[0].id);
  EXPECT_FALSE(sent[3].body.empty()) << "it did not say it kept on's body: ok goes whole";
}

// Round 1 leaves a base the pods kept; round 2 (one pod more) checks them as
// what changed. The diff's fallbacks: a 412 or a 400 brings the whole body.
class RoundDiffTest : public RoundTest {
 protected:
  RoundPlan second_round() {
    RoundPlan first = plan_of(3);
    first.base = base;
    EXPECT_TRUE(run_round(first).ok);
    EXPECT_EQ(base->holders, (std::set<std::string>{"a", "b", "c"}));
    RoundPlan second = plan_of(4);
    second.base = base;
    return second;
  }
  // The checks of round 2 (the requests after round 1's nine).
  std::vector<FakeTransport::Sent> checks_to(int n) const {
    std::vector<FakeTransport::Sent> out;
    const auto sent = fake.sent_to(url(n));
    for (size_t i = n <= 3 ? 3 : 0; i < sent.size(); ++i) {
      if (sent[i].task == "check") out.push_back(sent[i]);
    }
    return out;
  }
  // In round 2, pod n, scripted so, refuses its check as a diff with
  // `refusal`; the same body comes whole after it, and the round goes on.
  void expect_whole_after_refusal(int n, Script script, int refusal) {
    RoundPlan plan = second_round();
    fake.script(url(n), std::move(script));
    const RoundResult result = run_round(plan);
    ASSERT_TRUE(result.ok) << result.error;
    EXPECT_EQ(result.checks_as_diff, 2u) << "the two other pods that kept the base";
    const auto checks = checks_to(n);
    ASSERT_EQ(checks.size(), 2u);
    EXPECT_EQ(checks[0].status, refusal);
    EXPECT_FALSE(checks[0].base.empty());
    EXPECT_TRUE(checks[1].base.empty());
    EXPECT_EQ(checks[1].id, checks[0].id) << "the same body, whole";
    EXPECT_EQ(checks[1].status, 200);
    const json whole = json::parse(checks[1].body);
    EXPECT_EQ(whole.at("key"), std::string(1, static_cast<char>('a' + n - 1)));
    EXPECT_EQ(whole.at("pods"), plan.pods);
  }

  std::shared_ptr<RoundBase> base = std::make_shared<RoundBase>();
};

TEST_F(RoundDiffTest, PodsThatKeptTheLastBodyGetTheCheckAsWhatChanged) {
  RoundPlan plan = second_round();
  const RoundResult result = run_round(plan);
  ASSERT_TRUE(result.ok) << result.error;
  EXPECT_EQ(result.checks_as_diff, 3u);
  for (int n = 1; n <= 3; ++n) {
    const auto checks = checks_to(n);
    ASSERT_EQ(checks.size(), 1u) << n;
    EXPECT_FALSE(checks[0].base.empty()) << n;
    const json diff = json::parse(checks[0].body);
    EXPECT_EQ(diff.at("added").size(), 1u) << "only d joined";
    EXPECT_TRUE(diff.at("added").contains("d"));
  }
  const auto joined = checks_to(4);
  ASSERT_EQ(joined.size(), 1u);
  EXPECT_TRUE(joined[0].base.empty()) << "a pod that kept nothing gets a diff";
  EXPECT_EQ(json::parse(joined[0].body).at("pods"), plan.pods);
  EXPECT_EQ(base->holders, (std::set<std::string>{"a", "b", "c", "d"}));
}

TEST_F(RoundDiffTest, A412ToTheDiffBringsTheWholeBody) {
  expect_whole_after_refusal(2, Script::forgetting(), 412);
}

TEST_F(RoundDiffTest, A400ToTheDiffBringsTheWholeBody) {
  expect_whole_after_refusal(3, Script::refusing_diffs(), 400);
}

TEST_F(RoundDiffTest, MostOfTheClusterChangedSendsEveryCheckWhole) {
  RoundPlan first = plan_of(2);
  first.base = base;
  ASSERT_TRUE(run_round(first).ok);
  RoundPlan plan = plan_of(5);  // three of five are new
  plan.base = base;
  const RoundResult result = run_round(plan);
  ASSERT_TRUE(result.ok);
  EXPECT_EQ(result.checks_as_diff, 0u);
  for (const auto& s : fake.sent()) EXPECT_TRUE(s.base.empty());
}

TEST_F(RoundTest, APodThatAnswers410IsDroppedAsDead) {
  fake.script(url(2), Script::answering("check", 410));
  RoundPlan plan = plan_of(3);
  const RoundResult result = run_round(plan);
  ASSERT_TRUE(result.ok) << result.error;
  EXPECT_EQ(result.configured, (json{{"a", registration(1)}, {"c", registration(3)}}));
  EXPECT_EQ(fake.tasks_to(url(2)), Tasks{"check"});
  const auto on = fake.sent_to(url(1))[1];
  ASSERT_EQ(on.task, "on");
  EXPECT_TRUE(on.ref.empty()) << "the check's body lists the dead pod: on goes whole";
  EXPECT_EQ(json::parse(on.body).at("pods"), result.configured);
}

TEST_F(RoundTest, APodThatDoesNotAnswerTheCheckFailsTheRound) {
  fake.script(url(2), Script::answering("check", 0));
  const RoundResult result = run_round(plan_of(3));
  EXPECT_FALSE(result.ok);
  EXPECT_FALSE(result.cancelled);
  EXPECT_EQ(result.error, "check failed on " + url(2) + " (unreachable)");
  EXPECT_EQ(tasks(), (Tasks{"check", "check", "check"})) << "no pod was turned on";
}

TEST_F(RoundTest, APodThatRefusesOnFailsTheRoundBeforeOk) {
  fake.script(url(1), Script::answering("on", 503));
  const RoundResult result = run_round(plan_of(2));
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.error, "on failed on " + url(1) + " (HTTP 503)");
  EXPECT_EQ(oks(), 0);
}

TEST_F(RoundTest, APodWithoutAControlPortFailsTheRoundBeforeAnyRequest) {
  RoundPlan plan = plan_of(2);
  plan.pods["b"].erase("ports");
  const RoundResult result = run_round(plan);
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.error, "pod b does not expose its control port");
  EXPECT_TRUE(fake.sent().empty());
}

TEST_F(RoundTest, CancelledDuringCheckNothingFurtherIsSent) {
  RoundPlan plan = plan_of(3);
  plan.sequential = true;
  fake.on_request = [&](const FakeTransport::Sent&) { plan.cancel->cancel(); };
  const RoundResult result = run_round(plan);
  EXPECT_FALSE(result.ok);
  EXPECT_TRUE(result.cancelled);
  EXPECT_EQ(result.error, "cancelled: the leader may not lead");
  EXPECT_EQ(fake.tasks_to(url(1)), Tasks{"check"});
  EXPECT_EQ(fake.sent().size(), 1u) << "a request left after cancel()";
}

TEST_F(RoundTest, CancelledDuringOnNoOkIsSent) {
  RoundPlan plan = plan_of(4);
  fake.on_request = [&](const FakeTransport::Sent& s) {
    if (s.task == "on") plan.cancel->cancel();
  };
  const RoundResult result = run_round(plan);
  EXPECT_TRUE(result.cancelled);
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(oks(), 0);
}

TEST_F(RoundTest, ACancelledPlanContactsNoPod) {
  RoundPlan plan = plan_of(2);
  plan.cancel->cancel();
  EXPECT_TRUE(run_round(plan).cancelled);
  EXPECT_TRUE(fake.sent().empty());
}

TEST_F(RoundTest, SequentialCallsOnePodAtATimeInKeyOrder) {
  RoundPlan plan = plan_of(5);
  plan.sequential = true;
  ASSERT_TRUE(run_round(plan).ok);
  EXPECT_EQ(fake.max_in_flight(), 1u);
  std::vector<std::string> checked;
  for (const auto& s : fake.sent()) {
    if (s.task == "check") checked.push_back(s.url);
  }
  EXPECT_EQ(checked, (std::vector<std::string>{url(1), url(2), url(3), url(4), url(5)}));
}

TEST_F(RoundTest, MaxParallelBoundsThePodsCalledAtOnce) {
  RoundPlan plan = plan_of(12);
  plan.max_parallel = 4;
  fake.gather(4);  // the first four wait for each other: the bound is reached
  ASSERT_TRUE(run_round(plan).ok);
  EXPECT_EQ(fake.max_in_flight(), 4u);
  EXPECT_EQ(fake.sent().size(), 36u);
}

}  // namespace
}  // namespace ochopod
