#include "ochopod/cluster.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace ochopod
