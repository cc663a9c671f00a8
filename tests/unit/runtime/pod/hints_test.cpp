// Hints: the typed states and the words /info and $ochopod show for them
// (docs/protocol.md 5 and 6).
#include "runtime/pod/hints.h"

#include <gtest/gtest.h>

namespace ochopod {
namespace {

using nlohmann::json;

TEST(Hints, EveryStateHasItsProtocolWordAndBack) {
  const std::pair<PodState, const char*> states[] = {
      {PodState::kFollower, "follower"},
      {PodState::kLeader, "leader"},
      {PodState::kConfigurationPending, "leader (configuration pending)"},
      {PodState::kConfiguring, "leader (configuring)"},
      {PodState::kSuspended, "suspended"},
  };
  for (const auto& [state, word] : states) {
    EXPECT_EQ(to_string(state), word);
    EXPECT_EQ(parse_pod_state(word), state) << word;
  }
  const std::pair<ProcessState, const char*> processes[] = {
      {ProcessState::kStopped, "stopped"},
      {ProcessState::kRunning, "running"},
      {ProcessState::kTerminating, "terminating"},
      {ProcessState::kDead, "dead"},
  };
  for (const auto& [process, word] : processes) {
    EXPECT_EQ(to_string(process), word);
    EXPECT_EQ(parse_process_state(word), process) << word;
  }
  EXPECT_EQ(kProcessStates.size(), std::size(processes)) << "kProcessStates lists them all";
  for (const char* other : {"", "Leader", "leader ", "running?"}) {
    EXPECT_FALSE(parse_pod_state(other)) << other;
    EXPECT_FALSE(parse_process_state(other)) << other;
  }
}

TEST(Hints, AFreshPodIsAStoppedFollower) {
  const Hints hints;
  EXPECT_EQ(hints.pod_state(), PodState::kFollower);
  EXPECT_EQ(hints.process_state(), ProcessState::kStopped);
  EXPECT_EQ(hints.info()["state"], "follower");
  EXPECT_EQ(hints.info()["process"], "stopped");
}

TEST(Hints, StatesReachInfoAndTheChildsHintsAsWords) {
  Hints hints(json{{"ip", "10.0.0.1"}, {"seq", 3}}, json::array({"db"}));
  hints.set_state(PodState::kConfiguring);
  hints.set_process(ProcessState::kTerminating);
  const json info = hints.info();
  EXPECT_EQ(info["state"], "leader (configuring)");
  EXPECT_EQ(info["process"], "terminating");
  EXPECT_EQ(info["dependencies"], json::array({"db"}));
  const json child = hints.hints();
  EXPECT_EQ(child["state"], "leader (configuring)");
  EXPECT_EQ(child["process"], "terminating");
  EXPECT_EQ(child["seq"], 3);
  EXPECT_EQ(hints.state(), "leader (configuring)");
  EXPECT_EQ(hints.process(), "terminating");
}

}  // namespace
}  // namespace ochopod
