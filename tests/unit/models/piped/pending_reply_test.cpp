// PendingReply: a reply held until a poll passes or its deadline comes,
// on a manual clock.
#include "models/piped/pending_reply.h"

#include <gtest/gtest.h>

#include <functional>
#include <optional>
#include <vector>

#include "harness/manual_scheduler.h"

namespace ochopod::test {
namespace {

using namespace std::chrono_literals;
using detail::PendingReply;
using Clock = Scheduler::Clock;

// The EventLoop moves a timer that came due into its queue, where cancel()
// no longer reaches it: this one never cancels, the worst case.
class NoCancelScheduler : public ManualScheduler {
 public:
  void cancel(TimerId) override {}
};

// A test that never passes, counting its calls.
std::function<bool()> never(int& calls) {
  return [&calls] {
    ++calls;
    return false;
  };
}

class PendingReplyTest : public ::testing::Test {
 protected:
  Controller::Done answer_into(std::optional<int>& code) {
    return [&code](ControlReply reply) { code = reply.code; };
  }

  ManualScheduler loop;
  PendingReply reply{loop};
};

TEST_F(PendingReplyTest, PollsAtOnceThenEveryPollUntilItPasses) {
  std::optional<int> code;
  const Clock::time_point t0 = loop.now();
  reply.hold("on", PendingReply::Stage::kReady, t0 + 10s, answer_into(code));
  std::vector<Clock::time_point> polls;
  reply.poll(
      [&] {
        polls.push_back(loop.now());
        return polls.size() == 3;
      },
      [&](bool passed) {
        EXPECT_TRUE(passed);
        reply.answer(200);
      });
  EXPECT_EQ(polls.size(), 1u) << "at once";
  loop.advance(1s);
  EXPECT_EQ(polls, (std::vector<Clock::time_point>{t0, t0 + 200ms, t0 + 400ms}));
  EXPECT_EQ(code, 200);
  EXPECT_FALSE(reply.held());
  EXPECT_EQ(loop.timers(), 0u);
}

TEST_F(PendingReplyTest, TheLastPollIsAtTheDeadline) {
  std::optional<int> code;
  const Clock::time_point t0 = loop.now();
  reply.hold("on", PendingReply::Stage::kReady, t0 + 500ms, answer_into(code));
  std::vector<Clock::time_point> polls;
  std::optional<bool> ended;
  reply.poll(
      [&] {
        polls.push_back(loop.now());
        return false;
      },
      [&](bool passed) {
        ended = passed;
        EXPECT_EQ(loop.now(), t0 + 500ms);
        EXPECT_EQ(reply.waited(), 500ms);
        reply.answer(408);
      });
  loop.advance(2s);
  EXPECT_EQ(polls, (std::vector<Clock::time_point>{t0, t0 + 200ms, t0 + 400ms, t0 + 500ms}));
  EXPECT_EQ(ended, false);
  EXPECT_EQ(code, 408);
}

TEST_F(PendingReplyTest, AnAnswerStopsThePolls) {
  std::optional<int> code;
  reply.hold("off", PendingReply::Stage::kDraining, loop.now() + 10s, answer_into(code));
  int polls = 0;
  reply.poll(never(polls), [](bool) { ADD_FAILURE() << "ended"; });
  reply.answer(503);
  loop.advance(20s);
  EXPECT_EQ(polls, 1);
  EXPECT_EQ(code, 503);
  reply.answer(200);  // nothing held: nothing happens
  EXPECT_EQ(code, 503);
}

TEST_F(PendingReplyTest, ATimerThatFiresAfterItsCancelDoesNothing) {
  NoCancelScheduler stubborn;
  PendingReply held{stubborn};
  std::optional<int> first, second;
  held.hold("on", PendingReply::Stage::kReady, stubborn.now() + 10s, answer_into(first));
  int first_polls = 0;
  held.poll(never(first_polls), [](bool) {});
  held.answer(200);
  // The next request, on the same object, before the old timer comes due.
  held.hold("on", PendingReply::Stage::kReady, stubborn.now() + 10s, answer_into(second));
  int second_polls = 0;
  held.poll(never(second_polls), [](bool) {});
  stubborn.advance(200ms);
  EXPECT_EQ(first_polls, 1);
  EXPECT_EQ(second_polls, 2) << "at once, then its own timer only";
  held.answer(200);
  EXPECT_EQ(second, 200);
}

TEST_F(PendingReplyTest, AfterRunsItsTaskUnlessAnsweredFirst) {
  std::optional<int> code;
  reply.hold("off", PendingReply::Stage::kLeaving, Clock::time_point::max(), answer_into(code));
  reply.enter(PendingReply::Stage::kLingering, Clock::time_point::max());
  int ran = 0;
  reply.after(1s, [&] { ++ran; });
  loop.advance(999ms);
  EXPECT_EQ(ran, 0);
  loop.advance(1ms);
  EXPECT_EQ(ran, 1);
  reply.after(1s, [&] { ++ran; });
  reply.answer(200);
  loop.advance(5s);
  EXPECT_EQ(ran, 1);
  EXPECT_EQ(code, 200);
}

TEST_F(PendingReplyTest, EachStageCountsItsWaitFromItsStart) {
  std::optional<int> code;
  reply.hold("kill", PendingReply::Stage::kLeaving, Clock::time_point::max(), answer_into(code));
  EXPECT_EQ(reply.task(), "kill");
  loop.advance(3s);
  EXPECT_EQ(reply.waited(), 3s);
  reply.enter(PendingReply::Stage::kDraining, loop.now() + 1s);
  EXPECT_EQ(reply.stage(), PendingReply::Stage::kDraining);
  EXPECT_EQ(reply.waited(), 0s);
  reply.answer(200);
}

}  // namespace
}  // namespace ochopod::test
