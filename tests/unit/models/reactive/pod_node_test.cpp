#include "models/reactive/pod_node.h"

#include <gtest/gtest.h>

namespace ochopod {
namespace {

TEST(PodNode, KeyIsTheUuidAndSeqThePayloadsElseTheNodesSuffix) {
  auto node = parse_pod_node("9f1c.e2.0000000007", R"({"seq": 3, "ip": "10.0.0.1"})");
  ASSERT_TRUE(node);
  EXPECT_EQ(node->uuid, "9f1c");
  EXPECT_EQ(node->seq, 3);
  EXPECT_EQ(node->payload["ip"], "10.0.0.1");
  node = parse_pod_node("9f1c.0000000007", R"({"ip": "10.0.0.1"})");
  ASSERT_TRUE(node);
  EXPECT_EQ(node->seq, 7);
  node = parse_pod_node("9f1c.0000000007", R"({"seq": "5"})");
  ASSERT_TRUE(node);
  EXPECT_EQ(node->seq, 5);
  node = parse_pod_node("plain", R"({})");
  ASSERT_TRUE(node);
  EXPECT_EQ(node->uuid, "plain");
  EXPECT_EQ(node->seq, -1);
}

TEST(PodNode, EmptyOrNonObjectDataIsNoPod) {
  for (const char* data : {"", "[]", "3", "\"x\"", "{", "null"}) {
    EXPECT_FALSE(parse_pod_node("u.0000000001", data)) << "'" << data << "'";
  }
}

}  // namespace
}  // namespace ochopod
