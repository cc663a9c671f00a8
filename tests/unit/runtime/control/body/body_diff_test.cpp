// body_diff: a check sent as what changed must give, byte for byte, the body
// the leader would have sent whole, read as the same facts; anything that is
// not such a diff is refused with a reason, and a base a diff cannot edit
// is never edited.
#include "runtime/control/body/body_diff.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ochopod/cluster.h"
#include "runtime/base/text.h"
#include "runtime/control/body/body_ref.h"
#include "runtime/control/body/fast_json.h"
#include "runtime/control/body/payload_cache.h"

namespace ochopod {
namespace {

using nlohmann::json;

json registration(int i) {
  return {{"ip", "10.0." + std::to_string(i / 250) + "." + std::to_string(i % 250)},
          {"ports", {{"8080", 31000 + i}}},
          {"seq", i},
          {"node", "n\"ode-é-" + std::to_string(i)}};
}

json pods_of(int from, int to) {
  json pods = json::object();
  for (int i = from; i < to; ++i) pods["pod-" + std::to_string(1000 + i)] = registration(i);
  return pods;
}

// The body as the leader's round writes it whole (round.cpp's PhaseBody).
std::string whole(const json& pods, const json& deps, const std::string& key) {
  return "{\"dependencies\":" + to_json(deps) + ",\"key\":" + to_json(key) +
         ",\"pods\":" + to_json(pods) + "}";
}

std::vector<fast_json::MemberSpan> members_of(const std::string& body) {
  const auto pods = fast_json::member_text(body, "pods");
  EXPECT_TRUE(pods);
  const auto members = fast_json::sorted_members(
      body, static_cast<size_t>(pods->data() - body.data()), pods->size());
  EXPECT_TRUE(members) << "a leader's pods map is not sorted members";
  return members.value_or(std::vector<fast_json::MemberSpan>{});
}

void expect_facts_of(const body_diff::Applied& applied, const std::string& expected) {
  std::string error;
  const auto facts = fast_json::payload_facts(expected, &error);
  ASSERT_TRUE(facts) << error;
  EXPECT_EQ(applied.facts.key, facts->key);
  EXPECT_EQ(applied.facts.index, facts->index);
  EXPECT_EQ(applied.facts.seq, facts->seq);
  EXPECT_EQ(applied.facts.size, facts->size);
  EXPECT_EQ(json::parse(applied.facts.dependencies_text), json::parse(facts->dependencies_text));
  EXPECT_EQ(applied.facts.pods_at, facts->pods_at);
}

TEST(BodyDiff, GivesTheWholeBodyByteForByteAndItsFacts) {
  const json deps = {{"db", {{"x", registration(7)}}}};
  const json base = pods_of(0, 300);
  json next = pods_of(5, 320);            // 5 gone, 20 joined
  next["pod-1100"]["ports"]["8080"] = 1;  // one changed
  const std::string base_body = whole(base, deps, "pod-1010");
  const auto base_members = members_of(base_body);
  const auto written = body_diff::write(base, next, deps);
  EXPECT_EQ(written.changed, 5u + 20u + 1u);
  for (const std::string key : {"pod-1005", "pod-1100", "pod-1319", "pod-1000", "not-a-pod"}) {
    SCOPED_TRACE(key);
    const std::string diff = written.head + to_json(key) + "}";
    EXPECT_LT(diff.size() * 10, base_body.size()) << "the diff is not small";
    std::string error;
    const auto applied = body_diff::apply(base_body, base_members, diff, &error);
    ASSERT_TRUE(applied) << error;
    const std::string expected = whole(next, deps, key);
    EXPECT_EQ(applied->text, expected);
    expect_facts_of(*applied, expected);
    EXPECT_EQ(applied->members.size(), next.size());
  }
}

TEST(BodyDiff, ChainsRoundAfterRoundOnTheMembersItGave) {
  const json deps = json::object();
  json pods = pods_of(0, 50);
  std::string body = whole(pods, deps, "pod-1001");
  auto members = members_of(body);
  for (int round = 0; round < 6; ++round) {
    SCOPED_TRACE(round);
    json next = pods;
    next.erase("pod-" + std::to_string(1000 + round * 3));
    next["pod-" + std::to_string(1100 + round)] = registration(100 + round);
    const std::string diff = body_diff::write(pods, next, deps).head + to_json("pod-1001") + "}";
    std::string error;
    auto applied = body_diff::apply(body, members, diff, &error);
    ASSERT_TRUE(applied) << error;
    ASSERT_EQ(applied->text, whole(next, deps, "pod-1001"));
    EXPECT_EQ(applied->members.size(), members_of(applied->text).size());
    body = std::move(applied->text);
    members = std::move(applied->members);
    pods = std::move(next);
  }
  // Everything gone, then everything back.
  const std::string empty_diff =
      body_diff::write(pods, json::object(), deps).head + to_json("pod-1001") + "}";
  std::string error;
  const auto none = body_diff::apply(body, members, empty_diff, &error);
  ASSERT_TRUE(none) << error;
  EXPECT_EQ(none->text, whole(json::object(), deps, "pod-1001"));
  EXPECT_EQ(none->facts.size, 0);
  const auto back = body_diff::apply(
      none->text, none->members,
      body_diff::write(json::object(), pods, deps).head + to_json("pod-1001") + "}", &error);
  ASSERT_TRUE(back) << error;
  EXPECT_EQ(back->text, whole(pods, deps, "pod-1001"));
}

// A round's body and its members list are written into the buffers given
// (the spares the last round left), and a list that must grow gets room
// for the pods that join in the next rounds, not just for this one.
TEST(BodyDiff, WritesIntoTheBuffersItIsGiven) {
  const json deps = json::object();
  const json pods = pods_of(0, 50);
  json next = pods;
  next["pod-1100"] = registration(100);
  const std::string body = whole(pods, deps, "pod-1001");
  const auto members = members_of(body);
  const std::string diff = body_diff::write(pods, next, deps).head + to_json("pod-1001") + "}";
  std::string text;
  text.reserve(2 * body.size());
  const char* text_at = text.data();
  std::vector<fast_json::MemberSpan> spans;
  spans.reserve(64);
  const auto* spans_at = spans.data();
  std::string error;
  const auto applied =
      body_diff::apply(body, members, diff, &error, std::move(text), false, std::move(spans));
  ASSERT_TRUE(applied) << error;
  EXPECT_EQ(applied->text, whole(next, deps, "pod-1001"));
  EXPECT_EQ(applied->text.data(), text_at);
  EXPECT_EQ(applied->members.data(), spans_at);
  EXPECT_EQ(applied->members.size(), 51u);

  const auto grown = body_diff::apply(body, members, diff, &error);
  ASSERT_TRUE(grown) << error;
  EXPECT_GE(grown->members.capacity(), 51u + 51u / 2);
}

// A formation's diff carries every pod that joined since the last round;
// it is read without a tree of it, padded or not, and gives the same body.
TEST(BodyDiff, AFormationsLargeDiffGivesTheWholeBody) {
  const json deps = {{"db", {{"x", registration(7)}}}};
  const json base = pods_of(0, 40);
  const json next = pods_of(0, 400);
  const std::string base_body = whole(base, deps, "pod-1003");
  const auto base_members = members_of(base_body);
  const std::string diff = body_diff::write(base, next, deps).head + to_json("pod-1003") + "}";
  ASSERT_GT(diff.size(), 16u * 1024) << "not a formation's diff";
  for (const bool padded : {false, true}) {
    SCOPED_TRACE(padded);
    std::string text = diff;
    text.append(fast_json::kPadding, ' ');
    text.resize(diff.size());
    std::string error;
    const auto applied = body_diff::apply(base_body, base_members, text, &error, {}, padded);
    ASSERT_TRUE(applied) << error;
    const std::string expected = whole(next, deps, "pod-1003");
    EXPECT_EQ(applied->text, expected);
    expect_facts_of(*applied, expected);
    EXPECT_EQ(applied->members, members_of(expected));
  }
}

// What the leader never writes but JSON allows (spaces, a name written with
// escapes, members out of order) is still a diff.
TEST(BodyDiff, ADiffWrittenOtherwiseIsStillRead) {
  const json deps = json::object();
  const json base = pods_of(0, 5);
  const json next = pods_of(1, 7);
  const std::string base_body = whole(base, deps, "pod-1002");
  const std::string added =
      to_json(json{{"pod-1005", registration(5)}, {"pod-1006", registration(6)}});
  const std::string expected = whole(next, deps, "pod-1002");
  for (const std::string& diff : {
           " { \"added\" : " + added +
               " , \"dependencies\" : {} , \"gone\" : [ \"pod-1000\" ] , \"key\" : \"pod-1002\" "
               "} ",
           "{\"added\":" + added +
               ",\"dependencies\":{},\"gone\":[\"pod-1000\"],\"k\\u0065y\":\"pod-1002\"}",
           "{\"key\":\"pod-1002\",\"gone\":[\"pod-1000\"],\"dependencies\":{},\"added\":" + added +
               "}",
       }) {
    SCOPED_TRACE(diff);
    std::string error;
    const auto applied = body_diff::apply(base_body, members_of(base_body), diff, &error);
    ASSERT_TRUE(applied) << error;
    EXPECT_EQ(applied->text, expected);
  }
}

TEST(BodyDiff, RefusesWhatIsNotADiffWithAReason) {
  const std::string base = whole(pods_of(0, 10), json::object(), "pod-1001");
  const auto members = members_of(base);
  const std::vector<std::string> bad = {
      "",
      "{\"added\":",
      std::string("{\"added\":{},\"dependencies\":{},\"gone\":[],\"key\":\"\xff\"}"),
      "[1,2]",
      "{\"added\":{},\"dependencies\":{},\"gone\":[]}",
      "{\"added\":{},\"dependencies\":{},\"key\":\"a\"}",
      "{\"added\":{},\"dependencies\":{},\"gone\":[1],\"key\":\"a\"}",
      "{\"added\":[],\"dependencies\":{},\"gone\":[],\"key\":\"a\"}",
      "{\"added\":{},\"dependencies\":[],\"gone\":[],\"key\":\"a\"}",
      "{\"added\":{},\"gone\":[],\"key\":\"a\"}",
      "{\"added\":{\"b\":{},\"a\":{}},\"dependencies\":{},\"gone\":[],\"key\":\"a\"}",
      "{\"added\":{\"a\\u0062\":{}},\"dependencies\":{},\"gone\":[],\"key\":\"a\"}",
      "{\"added\":{\"a\":{},\"a\":{}},\"dependencies\":{},\"gone\":[],\"key\":\"a\"}",
  };
  for (const auto& diff : bad) {
    SCOPED_TRACE(diff);
    std::string error;
    EXPECT_FALSE(body_diff::apply(base, members, diff, &error));
    EXPECT_FALSE(error.empty()) << "refused without a reason";
  }
}

TEST(BodyDiff, SortedMembersRefusesObjectsADiffCannotEdit) {
  const auto members = [](const std::string& text) {
    return fast_json::sorted_members(text, 0, text.size());
  };
  EXPECT_TRUE(members("{}"));
  EXPECT_TRUE(members(" { \"a\" : 1 , \"b\" : {\"z\":[1,\"}\"]} } "));
  EXPECT_EQ(members("{\"a\":1,\"b\":\"x\\\"}\"}")->size(), 2u);
  EXPECT_FALSE(members("{\"b\":1,\"a\":2}")) << "out of order";
  EXPECT_FALSE(members("{\"a\":1,\"a\":2}")) << "a repeated name";
  EXPECT_FALSE(members("{\"a\\n\":1}")) << "an escaped name";
  EXPECT_FALSE(members("[1]"));
  EXPECT_FALSE(fast_json::sorted_members("{}", 1, 5)) << "a span past the text";
}

// The pod's side: a diff against the body it keeps, 412 against any other.
TEST(PayloadCacheDiff, AppliesAgainstTheKeptBodyOnly) {
  PayloadCache cache;
  const json deps = json::object();
  const json base = pods_of(0, 100);
  const Payload first = cache.parse(whole(base, deps, "pod-1003"), true, "b1");
  ASSERT_TRUE(first && cache.holds("b1"));
  json next = pods_of(1, 101);
  const std::string diff = body_diff::write(base, next, deps).head + to_json("pod-1003") + "}";
  int status = 0;
  std::string error;
  const Payload applied = cache.apply("b1", diff, true, "b2", &status, &error);
  ASSERT_TRUE(applied) << error;
  EXPECT_EQ(status, 200);
  EXPECT_TRUE(cache.holds("b2")) << "the body a diff gave is not kept";
  ASSERT_NE(applied.text(), nullptr);
  EXPECT_EQ(*applied.text(), whole(next, deps, "pod-1003"));
  ASSERT_NE(applied.cluster(), nullptr) << "no Cluster read along with the diff";
  EXPECT_EQ(applied.cluster()->index, 2);
  EXPECT_EQ(applied.cluster()->seq, 3);
  EXPECT_EQ(applied.cluster()->pods(), next);
  EXPECT_EQ((*applied)["pods"], next);

  EXPECT_FALSE(cache.apply("b1", diff, true, "b3", &status, &error)) << "an old base was used";
  EXPECT_EQ(status, body_ref::kNotHeld);
  EXPECT_FALSE(cache.apply("b2", "{\"added\":", true, "b3", &status, &error));
  EXPECT_EQ(status, 400);
  EXPECT_TRUE(cache.holds("b2")) << "a bad diff lost the kept body";
  // ok without keeping it lets it go.
  const std::string again = body_diff::write(next, next, deps).head + to_json("pod-1003") + "}";
  EXPECT_TRUE(cache.apply("b2", again, false, "b4", &status, &error)) << error;
  EXPECT_FALSE(cache.holds("b2") || cache.holds("b4"));
}

TEST(PayloadCacheDiff, ABaseADiffCannotEditIsNotHeldForDiffs) {
  PayloadCache cache;
  // Kept (a leader's id) but its pods map is out of order: not a diff's base.
  std::string body = whole(pods_of(0, 100), json::object(), "pod-1001");
  const std::string reversed = "{\"pod-9999\":{},\"pod-0000\":{},";
  body.replace(body.find("\"pods\":{") + 8, 0, reversed.substr(1));
  ASSERT_TRUE(cache.parse(body, true, "odd"));
  ASSERT_TRUE(cache.holds("odd"));
  int status = 0;
  std::string error;
  EXPECT_FALSE(cache.apply("odd", "{\"added\":{},\"dependencies\":{},\"gone\":[],\"key\":\"a\"}",
                           true, "n", &status, &error));
  EXPECT_EQ(status, body_ref::kNotHeld);
  EXPECT_TRUE(cache.holds("odd"));
}

}  // namespace
}  // namespace ochopod
