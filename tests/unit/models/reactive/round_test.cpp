// What a round puts in its control URLs and how long it waits for answers.
#include "models/reactive/round.h"

#include <gtest/gtest.h>

namespace ochopod {
namespace {

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

}  // namespace
}  // namespace ochopod
