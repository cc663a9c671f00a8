// cluster_text: the OCHOPOD_CLUSTER file's text, spliced from a Cluster's
// members, must be exactly what serializing Cluster::to_json() gives (the
// child reads it, and it once was built that way).
#include <gtest/gtest.h>

#include <string>

#include "cluster_file.h"
#include "ochopod/text.h"

namespace ochopod {
namespace {

TEST(ClusterText, IsTheSerializedToJsonByteForByte) {
  nlohmann::json pods = nlohmann::json::object();
  for (int i = 0; i < 5; ++i) {
    pods["pod-" + std::to_string(i)] = {{"ip", "10.0.0." + std::to_string(i)},
                                        {"seq", i},
                                        {"ports", {{"8080", 31000 + i}}},
                                        {"note", "quote \" and \xc3\xa9"}};
  }
  const nlohmann::json payload{{"pods", pods},
                               {"dependencies", {{"shop.db", {{"x", {{"ip", "10.1.0.1"}}}}}}},
                               {"key", "pod-3"}};
  const Cluster cluster = Cluster::from_payload(payload);
  ASSERT_EQ(cluster.index, 3);
  EXPECT_EQ(detail::cluster_text(cluster), to_json(cluster.to_json()));

  const Cluster empty = Cluster::from_payload(nlohmann::json{{"pods", nlohmann::json::object()}});
  EXPECT_EQ(detail::cluster_text(empty), to_json(empty.to_json()));
}

}  // namespace
}  // namespace ochopod
