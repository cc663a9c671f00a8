#include <gtest/gtest.h>
#include <ochopod/reactive.h>

namespace ochopod {
namespace {

using Seconds = std::chrono::duration<double>;

TEST(ReactiveModel, ControlTimeoutIsTheKnobAndDefaultsToSixtySeconds) {
  Reactive model;
  EXPECT_EQ(model.effective_control_timeout(), Seconds(60));
  model.control_timeout = Seconds(7.5);
  EXPECT_EQ(model.effective_control_timeout(), Seconds(7.5));
}

TEST(ReactiveModel, TheDeprecatedGraceStillWinsWhenAnOldPodSetsIt) {
  class OldPod : public Reactive {
   public:
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    OldPod() { grace = Seconds(12); }
#pragma GCC diagnostic pop
  };
  const OldPod model;
  EXPECT_EQ(model.effective_control_timeout(), Seconds(12));
  const OldPod copy = model;
  EXPECT_EQ(copy.effective_control_timeout(), Seconds(12));
}

}  // namespace
}  // namespace ochopod
