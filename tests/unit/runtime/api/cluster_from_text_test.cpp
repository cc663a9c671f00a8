// Cluster::from_text: a pod's fast path for a large payload (no pods tree
// built). It must read exactly the cluster from_payload reads from the same
// text, refuse exactly what it refuses, and keep the pods map's text as the
// leader wrote it.
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "ochopod/cluster.h"
#include "runtime/control/body/fast_json.h"

namespace ochopod {
namespace {

using nlohmann::json;

void expect_same_cluster(const std::string& text) {
  SCOPED_TRACE(text.substr(0, 200));
  const Cluster slow = Cluster::from_payload(json::parse(text));
  const Cluster fast = Cluster::from_text(text);
  EXPECT_EQ(fast.key, slow.key);
  EXPECT_EQ(fast.index, slow.index);
  EXPECT_EQ(fast.seq, slow.seq);
  EXPECT_EQ(fast.size, slow.size);
  EXPECT_EQ(fast.dependencies, slow.dependencies);
  EXPECT_EQ(fast.pods(), slow.pods());
  EXPECT_EQ(json::parse(fast.pods_text()), slow.pods());
}

TEST(ClusterFromText, ReadsWhatFromPayloadReads) {
  const std::vector<std::string> texts = {
      // What an ochopod leader sends: compact, keys sorted.
      json{{"key", "b"},
           {"pods", {{"c", {{"seq", 7}}}, {"a", {{"seq", 3}}}, {"b", {{"seq", 5}, {"ip", "x"}}}}},
           {"dependencies", {{"db", {{"z", {{"ip", "10.1.0.1"}}}}}}}}
          .dump(),
      // What a Python leader sends: spaced, keys in its own order.
      R"({"pods": {"zz": {"seq": 2}, "aa": {"seq": 1, "note": "a \"quoted\" \\ back"}}, )"
      R"("dependencies": {}, "key": "zz"})",
      // Escaped keys, a key past the others, a key not among the pods.
      R"({"pods":{"\u00e9t\u00e9":{"seq":4},"b\"q":{"seq":9}},"key":"été"})",
      R"({"pods":{"a":{"seq":1}},"key":"nobody"})",
      R"({"pods":{}})",
      // Repeated members: the last one wins, as in nlohmann.
      R"({"pods":{"a":{"seq":1},"b":{"seq":2},"a":{"seq":3,"seq":8}},"key":"a"})",
      R"({"pods":{"a":{"seq":1}},"key":"x","pods":{"x":{"seq":6},"y":{}},"key":"x"})",
      R"({"po\u0064s":{"a":{"seq":1}},"key":"a"})",
      // seq that is not a plain integer, or past int64.
      R"({"pods":{"a":{"seq":1.5}},"key":"a"})",
      R"({"pods":{"a":{"seq":"3"}},"key":"a"})",
      R"({"pods":{"a":{"seq":18446744073709551615}},"key":"a"})",
      R"({"pods":{"a":[1,2]},"key":"a"})",
      // Beyond simdjson (a 65-bit integer): nlohmann decides.
      R"({"pods":{"a":{"seq":2,"big":123456789012345678901234567890}},"key":"a"})",
  };
  for (const auto& text : texts) expect_same_cluster(text);
}

TEST(ClusterFromText, RefusesWhatFromPayloadRefuses) {
  const std::vector<std::string> refused = {"[1,2]", R"({"pods":[1]})", R"({"key":"a"})",
                                            R"({"pods":{},"dependencies":3})",
                                            R"({"pods":{},"key":7})"};
  for (const auto& text : refused) {
    EXPECT_THROW(Cluster::from_payload(json::parse(text)), std::invalid_argument) << text;
    EXPECT_THROW(Cluster::from_text(text), std::invalid_argument) << text;
  }
  for (const std::string& text :
       {std::string(R"({"pods":)"), std::string("{\"pods\":{\"\xff\":{}}}"), std::string("")}) {
    EXPECT_THROW(Cluster::from_text(text), std::invalid_argument) << "not JSON: " << text;
  }
}

TEST(ClusterFromText, KeepsThePodsTextAsTheLeaderWroteIt) {
  const std::string python = R"({"pods": {"b": {"seq": 2}, "a": {"seq": 1}}, "key": "a"})";
  EXPECT_EQ(Cluster::from_text(python).pods_text(), R"({"b": {"seq": 2}, "a": {"seq": 1}})");
  const json pods = {{"a", {{"ip", "10.0.0.1"}, {"seq", 1}}}, {"b", {{"seq", 2}}}};
  const std::string ours =
      json{{"dependencies", json::object()}, {"key", "b"}, {"pods", pods}}.dump();
  const Cluster c = Cluster::from_text(ours);
  EXPECT_EQ(c.pods_text(), pods.dump());
  const Cluster copy = c;
  EXPECT_EQ(copy.pods_text().data(), c.pods_text().data()) << "copies share the map";
  EXPECT_EQ(Cluster().pods(), json::object());
  EXPECT_EQ(Cluster().pods_text(), "{}");
}

TEST(FastJson, MemberTextSkipsStringsEscapesAndNesting) {
  const std::string text =
      R"({"a":"x\"}\\","pods":[1,{"pods":2}],"b":{"c":"\\\"pods\":"},"pods" : {"k":"v"} , "n":-1.5e3})";
  const auto pods = fast_json::member_text(text, "pods");
  ASSERT_TRUE(pods);
  EXPECT_EQ(*pods, R"({"k":"v"})") << "the last top-level member, nested ones ignored";
  EXPECT_EQ(fast_json::member_text(text, "n").value_or(""), "-1.5e3");
  EXPECT_EQ(fast_json::member_text(text, "a").value_or(""), R"("x\"}\\")");
  EXPECT_FALSE(fast_json::member_text(text, "c"));
  EXPECT_FALSE(fast_json::member_text("[1]", "pods"));
}

// An ochopod leader writes "pods" last: its span then ends where the object
// does, found without walking the map, and equal to the walked one.
TEST(FastJson, TheLastMembersSpanEndsWhereTheObjectDoes) {
  for (const std::string& text : {
           std::string(R"({"dependencies":{},"key":"k","pods":{"k":{"a":"}"},"z":[1,{}]}})"),
           std::string(R"( { "key" : "k" , "pods" : { "k" : { "seq" : 3 } }  } )") + "\n",
           std::string(R"({"pods":{}})"),
       }) {
    const auto walked = fast_json::member_text(text, "pods");
    const auto last = fast_json::member_text(text, "pods", true);
    ASSERT_TRUE(walked) << text;
    ASSERT_TRUE(last) << text;
    EXPECT_EQ(*last, *walked) << text;
  }
  const std::string text = R"({"pods":{"k":1},"key":"k"})";
  EXPECT_EQ(fast_json::member_text(text, "pods").value_or(""), R"({"k":1})");
}

TEST(FastJson, OutlineValidatesAndSpotsALeadersPayload) {
  EXPECT_TRUE(fast_json::outline(R"({"pods":{}})").has_pods);
  EXPECT_TRUE(fast_json::outline(R"({"x":{"pods":{}}})").valid);
  EXPECT_FALSE(fast_json::outline(R"({"x":{"pods":{}}})").has_pods);
  EXPECT_FALSE(fast_json::outline("{\"pods\":").valid);
  EXPECT_FALSE(fast_json::outline("\"\xc3\x28\"").valid) << "not UTF-8";
}

// outline() accepts exactly the JSON nlohmann accepts, whatever surrounds a
// value: a string it need not unescape is still consumed, so what follows
// it is checked. The first text, found by fuzzing the walk, was read as
// valid when a string left unread was then skipped as if it were a key.
TEST(FastJson, OutlineChecksTheGrammarAroundEveryValue) {
  const std::vector<std::string> texts = {
      R"({"":"":}})", R"({"a":"x" : 1})", R"(["x" : 1])", R"({"a":1 "b":2})", R"([1 2])",
      R"({"a":1,})", R"([1,])", R"({"a":tru})", R"({"a":nul})", R"({"a":"\x"})",
      R"({"a":"\ud800"})", R"({"a":"\u12"})", R"([01])", R"({"a":-})", R"([1e])", R"({} 1)",
      R"({}})", R"([1]])", R"({"a":[})", R"({"a" 1})", R"({"a":truex})", "[\"a\x01\"]",
      "{\"a\":[\"\xff\"]}",
      // and texts it must accept, escapes and all
      R"({"a":"x","b":[1,-2.5e3,true,false,null,{}],"c":"\u00e9\"\\","d":"\ud83d\ude00"})",
      R"([[[]],{"":{}},""])", R"( {"pods" : {"a" : {"seq" : 1, "s\u0065q" : 2}} } )",
      std::string(1024, '[') + std::string(1024, ']')};
  for (const auto& text : texts) {
    const bool accepted = !json::parse(text, nullptr, false).is_discarded();
    EXPECT_EQ(fast_json::outline(text).valid, accepted) << text;
  }
  // Deeper than simdjson goes: refused here, so nlohmann decides.
  EXPECT_FALSE(fast_json::outline(std::string(1025, '[') + std::string(1025, ']')).valid);
}

// A name written with escapes at the top level, or "pods" given twice: the
// walk validates the text but leaves the facts to nlohmann, which reads the
// same cluster (ClusterFromText.ReadsWhatFromPayloadReads).
TEST(FastJson, LeavesThePayloadsItCannotReadExactlyToNlohmann) {
  for (const std::string& text : {std::string(R"({"po\u0064s":{"a":{}},"key":"a"})"),
                                  std::string(R"({"pods":{"a":{}},"pods":{"b":{}}})")}) {
    const auto outline = fast_json::outline(text, /*read_facts=*/true);
    EXPECT_TRUE(outline.valid && outline.has_pods) << text;
    EXPECT_FALSE(outline.facts) << text;
    std::string error = "unset";
    EXPECT_FALSE(fast_json::payload_facts(text, &error)) << text;
    EXPECT_EQ(error, "") << "nlohmann should read it: " << text;
  }
}

// The walk notes the "dependencies" text as it passes (the pod's
// dependencies are parsed from it): as written, from brace to brace, the
// last one when repeated, on the padded and the copied path alike.
TEST(FastJson, TheDependenciesTextIsTheLastOneAsWritten) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"dependencies" : { "db" : {"a":"}"} }  , "pods":{}})", R"({ "db" : {"a":"}"} })"},
      {"{\"dependencies\":{\"a\":1},\"pods\":{},\"dependencies\":{\"b\":[2,{}]}\n\t}",
       R"({"b":[2,{}]})"},
      {R"({"pods":{"k":{}},"key":"k","dependencies":{}})", "{}"},
      {R"({"dependencies":{"x":"\"}\\"},"pods":{}})", R"({"x":"\"}\\"})"},
  };
  for (const auto& [text, dependencies] : cases) {
    std::string error;
    const auto facts = fast_json::payload_facts(text, &error);
    ASSERT_TRUE(facts) << text << ": " << error;
    EXPECT_EQ(facts->dependencies_text, dependencies) << text;
    std::string buffer = text + std::string(fast_json::kPadding, ' ');
    const auto padded =
        fast_json::outline(std::string_view(buffer.data(), text.size()), true, true);
    ASSERT_TRUE(padded.facts) << text;
    EXPECT_EQ(padded.facts->dependencies_text, dependencies) << text;
    expect_same_cluster(text);
  }
  std::string error;
  EXPECT_FALSE(
      fast_json::payload_facts(R"({"dependencies":{},"pods":{},"dependencies":[]})", &error));
  EXPECT_EQ(error, "\"dependencies\" is not an object") << "the last one decides";
}

// A padded text is read where it is, and only up to its length: what
// follows it (here, bytes that would complete it) changes nothing.
TEST(FastJson, APaddedTextReadsAsTheSameTextUnpadded) {
  const std::string whole = R"({"key":"a","pods":{"a":{"ip":"10.0.0.1"}}})";
  for (size_t cut : {whole.size(), whole.size() - 1, size_t{8}}) {
    std::string buffer = whole + std::string(fast_json::kPadding, ' ');
    const std::string_view text(buffer.data(), cut);
    const auto padded = fast_json::outline(text, true, /*padded=*/true);
    const auto copied = fast_json::outline(std::string(text), true);
    EXPECT_EQ(padded.valid, copied.valid) << cut;
    EXPECT_EQ(padded.valid, cut == whole.size()) << cut;
    EXPECT_EQ(padded.has_pods, copied.has_pods) << cut;
    ASSERT_EQ(padded.facts.has_value(), copied.facts.has_value()) << cut;
    if (padded.facts) {
      EXPECT_EQ(padded.facts->key, "a");
      EXPECT_EQ(padded.facts->size, 1);
      EXPECT_EQ(padded.facts->pods_at, copied.facts->pods_at);
    }
  }
}

}  // namespace
}  // namespace ochopod
