// What a phase puts in its control URLs, how long it waits for answers, and
// the body it sends: one serialization, the receiver's key spliced in.
#include "models/reactive/phase.h"

#include <gtest/gtest.h>

#include <string>

namespace ochopod {
namespace {

using nlohmann::json;
using Seconds = std::chrono::duration<double>;

TEST(RoundTimeouts, TheUrlCarriesWholeSecondsRoundedUp) {
  EXPECT_EQ(control_url_seconds(Seconds(60)), 60);
  EXPECT_EQ(control_url_seconds(Seconds(2.5)), 3);
  EXPECT_EQ(control_url_seconds(Seconds(0.1)), 1);
  EXPECT_EQ(control_url_seconds(Seconds(0)), 1);
}

// The client must wait for what the URL gave the pod, never less.
TEST(RoundTimeouts, TheClientWaitsTheUrlsSecondsTimesOneAndAQuarter) {
  EXPECT_DOUBLE_EQ(control_client_timeout(Seconds(60)).count(), 75.0);
  EXPECT_DOUBLE_EQ(control_client_timeout(Seconds(2.5)).count(), 3.75);
  EXPECT_DOUBLE_EQ(control_client_timeout(Seconds(0.1)).count(), 1.25);
}

std::string joined(const std::vector<std::string_view>& parts) {
  std::string out;
  for (const auto part : parts) out.append(part);
  return out;
}

// Byte for byte what nlohmann writes for the whole payload: a pod's cache
// and a diff's splice compare bodies as text.
TEST(PhaseBody, IsThePayloadAsNlohmannWritesItWithTheReceiversKey) {
  const json pods = {{"b", {{"ip", "10.0.0.2"}}}, {"a", {{"ip", "10.0.0.1"}, {"port", "8080"}}}};
  const json dependencies = {{"db", {{"x", {{"ip", "10.0.1.1"}}}}}};
  const PhaseBody body(pods, dependencies);
  const std::string key = json("a").dump();
  const json payload = {{"pods", pods}, {"dependencies", dependencies}, {"key", "a"}};
  EXPECT_EQ(joined(body.parts(key)), payload.dump());
}

TEST(PhaseBody, EachBodyHasAnIdOfItsOwnThatAPodAccepts) {
  const PhaseBody one(json::object(), json::object());
  const PhaseBody two(json::object(), json::object());
  EXPECT_EQ(one.id().size(), 16u);
  EXPECT_NE(one.id(), two.id());
  EXPECT_EQ(one.id().find_first_not_of("0123456789abcdef"), std::string::npos);
}

}  // namespace
}  // namespace ochopod
