// Inputs the libFuzzer targets (tests/fuzz) found breaking a promise, kept as
// plain unit tests so they stay fixed without a fuzz build. Each test names
// the target that found it.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <stdexcept>

#include "ochopod/cluster.h"

namespace ochopod {
namespace {

using nlohmann::json;

// fuzz_cluster_payload: a dependency whose pod is not an object made grep()
// throw nlohmann's type_error 306 instead of its documented out_of_range, and
// a pod's "ip" that is not a string type_error 302. A pod's configure() that
// catches out_of_range (the contract) would let these through and fail `on`.
TEST(FuzzRegressions, GrepOfAPodThatIsNotAnObjectIsOutOfRange) {
  const auto c = Cluster::from_payload(
      json::parse(R"({"pods": {"a-uuid": 3}, "dependencies": {"x": {"p": 5}}, "key": "a-uuid"})"));
  EXPECT_THROW((void)c.grep("x", 8080), std::out_of_range);
}

TEST(FuzzRegressions, GrepOfAPodWhoseAddressIsNotAStringIsOutOfRange) {
  const auto c = Cluster::from_payload(json::parse(
      R"({"pods": {}, "dependencies": {"x": {"p": {"ip": 7, "public": [1],
          "ports": {"8080": 31000}}}}})"));
  EXPECT_THROW((void)c.grep("x", 8080, false), std::out_of_range);
  EXPECT_THROW((void)c.grep("x", 8080, true), std::out_of_range);
}

}  // namespace
}  // namespace ochopod
