#include "models/reactive/snapshot.h"

#include <gtest/gtest.h>

#include <regex>

namespace ochopod {
namespace {

using nlohmann::json;

TEST(Snapshot, HashIsColonSeparatedMd5OfTheCanonicalJson) {
  // md5("{}") = 99914b932bd37a50b983c5e7c90ae93b
  EXPECT_EQ(snapshot_hash(json::object()), "99:91:4b:93:2b:d3:7a:50:b9:83:c5:e7:c9:0a:e9:3b");
  const auto h = snapshot_hash(json{{"local", {{"a", 1}}}});
  EXPECT_TRUE(std::regex_match(h, std::regex("^([0-9a-f]{2}:){15}[0-9a-f]{2}$"))) << h;
}

TEST(Snapshot, HashIgnoresInsertionOrder) {
  json a = json::object();
  a["z"] = 1;
  a["a"] = json{{"y", 2}, {"b", 3}};
  json b = json::parse(R"({"a": {"b": 3, "y": 2}, "z": 1})");
  EXPECT_EQ(snapshot_hash(a), snapshot_hash(b));
  b["z"] = 2;
  EXPECT_NE(snapshot_hash(a), snapshot_hash(b));
}

TEST(Snapshot, DependencyNames) {
  EXPECT_EQ(dependency_cluster("kafka", "prod"), "prod.kafka");
  EXPECT_EQ(dependency_cluster("/other.kafka", "prod"), "other.kafka");
  EXPECT_TRUE(is_glob("web-*"));
  EXPECT_FALSE(is_glob("web"));
}

TEST(Snapshot, GlobsMatchFullNamesAndExcludeOurOwnCluster) {
  const std::vector<std::string> clusters = {"prod.web-a", "prod.web-b", "prod.db", "test.web-c"};
  EXPECT_EQ(match_glob("web-*", "prod", "prod.web-a", clusters),
            (std::vector<std::string>{"prod.web-b"}));
  EXPECT_EQ(match_glob("/*.web-*", "prod", "prod.db", clusters),
            (std::vector<std::string>{"prod.web-a", "prod.web-b", "test.web-c"}));
}

TEST(Snapshot, ControlUrlUsesThePodsOwnPortAndRemapping) {
  EXPECT_EQ(control_url(json{{"ip", "10.0.0.1"}, {"port", "8080"}, {"ports", {{"8080", 31000}}}}),
            "http://10.0.0.1:31000");
  EXPECT_EQ(control_url(json{{"ip", "10.0.0.1"}, {"port", "8080"}, {"ports", {{"9090", 1}}}}), "");
  EXPECT_EQ(control_url(json{{"ip", 3}, {"port", "8080"}, {"ports", {{"8080", 1}}}}), "");
  EXPECT_EQ(control_url(json::array()), "");
}

TEST(Snapshot, ControlPortTakesPortsAsIntegersOrDigitStrings) {
  EXPECT_EQ(control_url(json{{"ip", "10.0.0.1"}, {"port", 8080}, {"ports", {{"8080", "31000"}}}}),
            "http://10.0.0.1:31000");
  EXPECT_EQ(control_port(json{{"port", "8080"}, {"ports", {{"8080", 31000}}}}), 31000);
  EXPECT_EQ(control_port(json{{"port", "x"}, {"ports", {{"8080", 31000}}}}), std::nullopt);
  EXPECT_EQ(control_port(json{{"port", "8080"}, {"ports", {{"8080", "-1"}}}}), std::nullopt);
  EXPECT_EQ(control_port(json{{"port", "8080"}, {"ports", json::array()}}), std::nullopt);
  EXPECT_EQ(control_url(json{{"ip", ""}, {"port", 8080}, {"ports", {{"8080", 1}}}}), "");
  EXPECT_EQ(remapped_port(json{{"ports", {{"22", "2222"}}}}, 22), 2222);
  EXPECT_EQ(remapped_port(json{{"ports", {{"22", 2222}}}}, 80), std::nullopt);
  EXPECT_EQ(registration_number(json("07")), 7);
  EXPECT_EQ(registration_number(json(3)), 3);
  for (const json& bad : {json("+1"), json(" 1"), json("1.5"), json(1.5), json(nullptr)}) {
    EXPECT_EQ(registration_number(bad), std::nullopt) << bad.dump();
  }
}

}  // namespace
}  // namespace ochopod
