#include "ochopod/cluster.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <stdexcept>

namespace ochopod {
namespace {

using nlohmann::json;

json pod(const std::string& ip, int64_t seq, int remapped) {
  return json{{"ip", ip},
              {"public", "p" + ip},
              {"seq", seq},
              {"port", "8080"},
              {"ports", {{"8080", remapped}, {"9092", remapped + 1}}}};
}

TEST(Cluster, IndexIsPositionOfKeyInSortedPods) {
  json payload{{"key", "b"},
               {"pods",
                {{"c", pod("10.0.0.3", 7, 100)},
                 {"a", pod("10.0.0.1", 3, 200)},
                 {"b", pod("10.0.0.2", 5, 300)}}}};
  const auto c = Cluster::from_payload(payload);
  EXPECT_EQ(c.index, 1);
  EXPECT_EQ(c.size, 3);
  EXPECT_EQ(c.seq, 5);
  EXPECT_EQ(c.key, "b");
  EXPECT_EQ(c.to_json()["index"], 1);
}

TEST(Cluster, GrepRemapsPortsOfADependency) {
  json payload{{"key", "a"},
               {"pods", {{"a", pod("10.0.0.1", 1, 10)}}},
               {"dependencies",
                {{"kafka", {{"x", pod("10.0.1.1", 1, 31000)}, {"y", pod("10.0.1.2", 2, 32000)}}}}}};
  const auto c = Cluster::from_payload(payload);
  EXPECT_EQ(c.grep("kafka", 9092), "10.0.1.1:31001,10.0.1.2:32001");
  EXPECT_EQ(c.grep("kafka", 9092, true), "p10.0.1.1:31001,p10.0.1.2:32001");
  EXPECT_THROW(c.grep("zookeeper", 2181), std::out_of_range);
  EXPECT_THROW(c.grep("kafka", 1234), std::out_of_range);
}

TEST(Cluster, RejectsPayloadsOfTheWrongShape) {
  EXPECT_THROW(Cluster::from_payload(json::array()), std::invalid_argument);
  EXPECT_THROW(Cluster::from_payload(json{{"pods", 3}}), std::invalid_argument);
  EXPECT_THROW(Cluster::from_payload(json{{"pods", json::object()}, {"dependencies", "x"}}),
               std::invalid_argument);
  EXPECT_NO_THROW(Cluster::from_payload(json{{"pods", json::object()}}));
}

// fuzz_cluster_payload: a dependency whose pod is not an object made grep()
// throw nlohmann's type_error 306 instead of its documented out_of_range, and
// a pod's "ip" that is not a string type_error 302. A pod's configure() that
// catches out_of_range (the contract) would let these through and fail `on`.
TEST(Cluster, GrepOfAPodThatIsNotAnObjectIsOutOfRange) {
  const auto c = Cluster::from_payload(nlohmann::json::parse(
      R"({"pods": {"a-uuid": 3}, "dependencies": {"x": {"p": 5}}, "key": "a-uuid"})"));
  EXPECT_THROW((void)c.grep("x", 8080), std::out_of_range);
}

TEST(Cluster, GrepOfAPodWhoseAddressIsNotAStringIsOutOfRange) {
  const auto c = Cluster::from_payload(nlohmann::json::parse(
      R"({"pods": {}, "dependencies": {"x": {"p": {"ip": 7, "public": [1],
          "ports": {"8080": 31000}}}}})"));
  EXPECT_THROW((void)c.grep("x", 8080, false), std::out_of_range);
  EXPECT_THROW((void)c.grep("x", 8080, true), std::out_of_range);
}

}  // namespace
}  // namespace ochopod
