// PayloadCache: a round's phases parse a pod's body once; `ok` ends the
// round and frees it; small and bad bodies are never kept.
#include "runtime/control/body/payload_cache.h"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "ochopod/cluster.h"
#include "runtime/control/body/body_diff.h"
#include "runtime/control/body/body_ref.h"

namespace ochopod {
namespace {

// A configuration body past the size worth caching.
std::string round_body(const std::string& key) {
  nlohmann::json pods = nlohmann::json::object();
  for (int i = 0; i < 200; ++i) {
    pods["pod-" + std::to_string(i)] = {{"ip", "10.0.0." + std::to_string(i)},
                                        {"ports", {{"8080", 31000 + i}}}};
  }
  return nlohmann::json{{"pods", pods}, {"dependencies", nlohmann::json::object()}, {"key", key}}
      .dump();
}

TEST(PayloadCache, ARoundsPhasesShareOneParseAndOkFreesIt) {
  PayloadCache cache;
  const std::string body = round_body("pod-1");
  ASSERT_GE(body.size(), PayloadCache::kMinCached);
  const Payload check = cache.parse(body, true);
  ASSERT_TRUE(check);
  EXPECT_EQ((*check)["key"], "pod-1");
  const Payload on = cache.parse(body, true);
  EXPECT_TRUE(on == check) << "on's identical bytes were parsed again";
  const Payload ok = cache.parse(body, false);
  EXPECT_TRUE(ok == check) << "ok's identical bytes were parsed again";
  EXPECT_EQ(cache.hits(), 2u);
  // ok dropped it: the next round's first body is parsed.
  const Payload next = cache.parse(body, true);
  EXPECT_TRUE(next != check) << "ok did not end the round";
  EXPECT_EQ(*next, *check);
}

TEST(PayloadCache, OtherBytesAreParsedAndReplaceTheKeptBody) {
  PayloadCache cache;
  const Payload a = cache.parse(round_body("pod-1"), true);
  const Payload b = cache.parse(round_body("pod-2"), true);
  ASSERT_TRUE(a && b);
  EXPECT_EQ((*b)["key"], "pod-2");
  EXPECT_TRUE(cache.parse(round_body("pod-2"), true) == b);
  EXPECT_EQ(cache.hits(), 1u);
}

TEST(PayloadCache, SmallBodiesAreNotKeptAndBadOnesAreNull) {
  PayloadCache cache;
  const Payload small = cache.parse("{\"pods\":{}}", true);
  ASSERT_TRUE(small);
  EXPECT_TRUE(cache.parse("{\"pods\":{}}", true) != small);
  EXPECT_EQ(cache.hits(), 0u);
  EXPECT_FALSE(cache.parse("{\"pods\":", true));
  EXPECT_FALSE(cache.parse(std::string("\"bad \xff byte\""), true)) << "not UTF-8 is not JSON";
  // A bad body after a kept one does not lose it.
  const std::string body = round_body("pod-1");
  const Payload kept = cache.parse(body, true);
  EXPECT_FALSE(cache.parse(body.substr(0, body.size() - 1), true));
  EXPECT_TRUE(cache.parse(body, true) == kept);
}

TEST(PayloadCache, ALargeBodyStaysTextAndReadsAsTheSameTree) {
  PayloadCache cache;
  const std::string body = round_body("pod-7");
  const Payload payload = cache.parse(body, true);
  ASSERT_TRUE(payload);
  ASSERT_NE(payload.text(), nullptr) << "a large valid body is kept as its text";
  EXPECT_EQ(*payload.text(), body);
  EXPECT_TRUE(payload.has_pods());
  EXPECT_EQ(*payload, nlohmann::json::parse(body));
  EXPECT_EQ(payload->at("key"), "pod-7");
}

// The one parse that validates a leader's body also reads its Cluster, the
// pods map left where it is in the body's text rather than copied.
TEST(PayloadCache, ALeadersLargeBodyCarriesItsClusterReadInTheSameParse) {
  PayloadCache cache;
  const std::string body = round_body("pod-7");
  const Payload payload = cache.parse(body, true);
  ASSERT_NE(payload.cluster(), nullptr) << "a leader's large body came without its Cluster";
  const Cluster& read = *payload.cluster();
  const Cluster expected = Cluster::from_payload(nlohmann::json::parse(body));
  EXPECT_EQ(read.key, "pod-7");
  EXPECT_EQ(read.index, expected.index);
  EXPECT_EQ(read.size, expected.size);
  EXPECT_EQ(read.dependencies, expected.dependencies);
  EXPECT_EQ(read.pods(), expected.pods());
  const std::string& text = *payload.text();
  EXPECT_GE(read.pods_text().data(), text.data()) << "the pods map was copied";
  EXPECT_LE(read.pods_text().data() + read.pods_text().size(), text.data() + text.size());
  // A copy outlives the payload: it keeps the text alive.
  Cluster copy = read;
  const Payload gone = cache.parse(body, false);  // ok: the cache lets go
  EXPECT_EQ(nlohmann::json::parse(copy.pods_text()), expected.pods());

  // Valid JSON of the wrong shape gets no Cluster: the pod's own read of the
  // text says why.
  std::string wrong = round_body("pod-7");
  wrong.replace(wrong.find("\"key\":\"pod-7\""), 13, "\"key\":7      ");
  const Payload bad = cache.parse(wrong, true);
  ASSERT_TRUE(bad);
  EXPECT_TRUE(bad.has_pods());
  EXPECT_EQ(bad.cluster(), nullptr);
  EXPECT_THROW(Cluster::from_text(*bad.text()), std::invalid_argument);
}

TEST(PayloadCache, ALargeBodyOnlyNlohmannReadsIsStillAccepted) {
  PayloadCache cache;
  // A 65-bit integer: simdjson refuses it, nlohmann (and so the pod before
  // the fast path) accepts it.
  std::string body = round_body("pod-1");
  body.insert(1, "\"big\":123456789012345678901234567890,");
  const Payload payload = cache.parse(body, true);
  ASSERT_TRUE(payload) << "a body nlohmann reads was refused";
  EXPECT_EQ(payload.text(), nullptr);
  EXPECT_TRUE(payload.has_pods());
  EXPECT_EQ(*payload, nlohmann::json::parse(body));
  // Large bodies that are not JSON stay refused.
  EXPECT_FALSE(cache.parse(body.substr(0, body.size() - 1), true));
  std::string bad = round_body("pod-1");
  bad[bad.find("10.0.0.1")] = '\xff';
  EXPECT_FALSE(cache.parse(bad, true)) << "not UTF-8 is not JSON";
}

// body_ref.h: the kept body answers to the sender's id until other bytes,
// an id-less body or ok replace it.
TEST(PayloadCache, AKeptBodyIsHeldUnderItsIdUntilReplacedOrOk) {
  PayloadCache cache;
  const std::string body = round_body("pod-1");
  EXPECT_FALSE(cache.holds("r1"));
  const Payload check = cache.parse(body, true, "r1");
  ASSERT_TRUE(check);
  EXPECT_TRUE(cache.holds("r1"));
  EXPECT_FALSE(cache.holds("r2"));
  EXPECT_FALSE(cache.holds("")) << "an empty id names nothing";
  EXPECT_FALSE(cache.held("r2", true)) << "another id was served";
  EXPECT_TRUE(cache.held("r1", true) == check) << "on did not get check's body";
  EXPECT_TRUE(cache.holds("r1"));
  EXPECT_TRUE(cache.held("r1", false) == check) << "ok did not get check's body";
  EXPECT_FALSE(cache.holds("r1")) << "ok did not let go";
  EXPECT_FALSE(cache.held("r1", true));
  EXPECT_EQ(cache.hits(), 2u);

  // Other bytes take the place and the id of the kept body; bytes without an
  // id leave none to name it by.
  cache.parse(body, true, "r1");
  cache.parse(round_body("pod-2"), true, "r2");
  EXPECT_FALSE(cache.holds("r1"));
  EXPECT_TRUE(cache.holds("r2"));
  cache.parse(round_body("pod-2"), true);
  EXPECT_FALSE(cache.holds("r2")) << "an id outlived a body sent without it";
  // A body too small to keep is held under no id, nor is a bad one.
  EXPECT_TRUE(cache.parse("{\"pods\":{}}", true, "r3"));
  EXPECT_FALSE(cache.holds("r3"));
  cache.parse(body, true, "r4");
  EXPECT_FALSE(cache.parse(body.substr(1), true, "r5"));
  EXPECT_FALSE(cache.holds("r5"));
  EXPECT_TRUE(cache.holds("r4")) << "a bad body lost the kept one";
}

// resolve(): a /control request's body as its headers say to read it
// (body_ref.h), the whole protocol of a round as the control server sees it.
struct Round {
  PayloadCache cache;
  std::vector<std::chrono::milliseconds> armed;  // the spare's timer, each time it is armed
  std::function<void()> ready;                   // what the last one would run

  Round() {
    cache.set_timer([this](std::chrono::milliseconds delay, std::function<void()> fn) {
      armed.push_back(delay);
      ready = std::move(fn);
    });
  }
  PayloadCache::Resolved send(std::string_view task, std::string body,
                              PayloadCache::BodyHeaders headers = {}) {
    return cache.resolve(task, std::move(body), headers);
  }
};

TEST(PayloadCacheResolve, AWholeBodyIsKeptUnderItsIdAndNamedInTheNextPhases) {
  Round r;
  const std::string body = round_body("pod-1");
  const auto check = r.send("check", body, {.id = "r1"});
  ASSERT_EQ(check.status, 200) << check.error;
  EXPECT_EQ((*check.body)["key"], "pod-1");
  EXPECT_EQ(check.kept_id, "r1");
  const auto on = r.send("on", "", {.ref = "r1"});
  ASSERT_EQ(on.status, 200) << on.error;
  EXPECT_TRUE(on.body == check.body) << "the reference did not give the kept body";
  EXPECT_EQ(on.kept_id, "r1");
  EXPECT_TRUE(r.armed.empty()) << "only a round's ok readies the spare";
  const auto ok = r.send("ok", "", {.ref = "r1"});
  ASSERT_EQ(ok.status, 200) << ok.error;
  EXPECT_EQ(ok.kept_id, "r1") << "a named ok keeps its body: the next check's base";
  EXPECT_TRUE(r.cache.holds("r1"));
  EXPECT_EQ(r.armed, (std::vector<std::chrono::milliseconds>{PayloadCache::kSpareDelay}));
}

TEST(PayloadCacheResolve, AnUnnamedOkLetsGoAndArmsNothing) {
  Round r;
  const std::string body = round_body("pod-1");
  ASSERT_EQ(r.send("check", body, {.id = "r1"}).status, 200);
  const auto ok = r.send("ok", body);
  ASSERT_EQ(ok.status, 200);
  EXPECT_TRUE(ok.body);
  EXPECT_EQ(ok.kept_id, "");
  EXPECT_FALSE(r.cache.holds("r1")) << "a Python leader's ok leaves nothing kept";
  EXPECT_TRUE(r.armed.empty());
}

TEST(PayloadCacheResolve, AnIdThatIsNoIdIsIgnored) {
  Round r;
  const auto check = r.send("check", round_body("pod-1"), {.id = "not an id!"});
  ASSERT_EQ(check.status, 200);
  EXPECT_EQ(check.kept_id, "");
  EXPECT_FALSE(r.cache.holds("not an id!"));
}

TEST(PayloadCacheResolve, ABodyNotHeldIsAskedForWhole) {
  Round r;
  const auto on = r.send("on", "", {.ref = "r9"});
  EXPECT_EQ(on.status, body_ref::kNotHeld);
  EXPECT_FALSE(on.body);
  EXPECT_EQ(on.error, "the body it refers to is not held, asking for it whole");
  const auto diff = r.send("check", "{}", {.id = "r2", .base = "r9"});
  EXPECT_EQ(diff.status, body_ref::kNotHeld);
  EXPECT_EQ(diff.error, "the body it is a diff against is not held, asking for the body whole");
  EXPECT_TRUE(r.armed.empty());
}

TEST(PayloadCacheResolve, BadBodiesAre400WithTheirReason) {
  Round r;
  const auto bad = r.send("check", "{\"pods\":");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.error, "body is not JSON");
  ASSERT_EQ(r.send("ok", round_body("pod-1"), {.id = "r1"}).status, 200);
  const auto diff = r.send("check", "[1]", {.id = "r2", .base = "r1"});
  EXPECT_EQ(diff.status, 400);
  EXPECT_EQ(diff.error, "refused: the body diff is not an object");
  EXPECT_TRUE(r.cache.holds("r1")) << "a refused diff leaves the base kept";
}

TEST(PayloadCacheResolve, TheNextChecksDiffGivesTheBodyAndIsKeptUnderItsOwnId) {
  Round r;
  const std::string body = round_body("pod-1");
  ASSERT_EQ(r.send("ok", body, {.id = "r1"}).status, 200);
  const auto base = nlohmann::json::parse(body);
  nlohmann::json pods = base["pods"];
  pods.erase("pod-7");
  pods["pod-new"] = {{"ip", "10.9.9.9"}};
  const std::string diff =
      body_diff::write(base["pods"], pods, base["dependencies"]).head + "\"pod-1\"}";
  const auto check = r.send("check", diff, {.id = "r2", .base = "r1"});
  ASSERT_EQ(check.status, 200) << check.error;
  EXPECT_EQ(check.kept_id, "r2");
  EXPECT_EQ((*check.body)["pods"], pods);
  EXPECT_TRUE(r.cache.holds("r2"));
}

TEST(PayloadCacheResolve, AReadyingArmedBeforeTheNextBodyIsNotDone) {
  Round r;
  const std::string body = round_body("pod-1");
  ASSERT_EQ(r.send("ok", body, {.id = "r1"}).status, 200);
  ASSERT_EQ(r.armed.size(), 1u);
  const auto stale = r.ready;
  ASSERT_EQ(r.send("check", round_body("pod-2"), {.id = "r2"}).status, 200);
  stale();  // a round came first: nothing to do, nothing dropped
  EXPECT_TRUE(r.cache.holds("r2"));
  ASSERT_EQ(r.send("ok", "", {.ref = "r2"}).status, 200);
  ASSERT_EQ(r.armed.size(), 2u);
  r.ready();
  EXPECT_TRUE(r.cache.holds("r2")) << "readying the spare keeps the base";
  const auto on = r.send("on", "", {.ref = "r2"});
  EXPECT_EQ(on.status, 200);
}

}  // namespace
}  // namespace ochopod
