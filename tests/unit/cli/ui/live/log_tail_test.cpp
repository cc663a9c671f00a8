// A log pane's new lines found where the sliding /log ring overlaps the last
// answer, and a cluster's logs merged by time.
#include "cli/ui/live/log_tail.h"

#include <gtest/gtest.h>

namespace ochopod::cli::ui {
namespace {

using Lines = std::vector<std::string>;

TEST(UiLogTail, NewLinesAfterTheOverlap) {
  EXPECT_EQ(new_lines({"a", "b", "c"}, {"b", "c", "d", "e"}), (Lines{"d", "e"}));
  EXPECT_EQ(new_lines({}, {"a", "b"}), (Lines{"a", "b"}));
}

TEST(UiLogTail, NoOverlapIsAllNew) {
  EXPECT_EQ(new_lines({"a", "b"}, {"x", "y"}), (Lines{"x", "y"}));
}

TEST(UiLogTail, FullOverlapIsNothingNew) {
  EXPECT_EQ(new_lines({"a", "b", "c"}, {"a", "b", "c"}), Lines{});
  EXPECT_EQ(new_lines({"a", "b", "c"}, {"b", "c"}), Lines{});
  EXPECT_EQ(new_lines({"a"}, {}), Lines{});
}

TEST(UiLogTail, RepeatedLinesTakeTheLongestOverlap) {
  EXPECT_EQ(new_lines({"x", "x", "x"}, {"x", "x", "x", "x"}), (Lines{"x"}));
  EXPECT_EQ(new_lines({"a", "x", "x"}, {"x", "x", "b"}), (Lines{"b"}));
  EXPECT_EQ(new_lines({"x", "y", "x", "y"}, {"x", "y", "x", "y", "z"}), (Lines{"z"}));
}

TEST(UiLogTail, MergeByTimestampKeepingUnstampedLinesInPlace) {
  ClusterView c;
  c.name = "shop.web";
  PodView a;
  a.record.seq = 0;
  a.log = {"2026-01-01 12:00:00.000 I a1", "  continued", "2026-01-01 12:00:02.000 I a2"};
  PodView b;
  b.record.seq = 1;
  b.log = {"2026-01-01 12:00:01.000 I b1", "2026-01-01 12:00:02.000 I b2"};
  c.pods = {a, b};
  EXPECT_EQ(
      merge_logs(c),
      (Lines{"#0 2026-01-01 12:00:00.000 I a1", "#0   continued", "#1 2026-01-01 12:00:01.000 I b1",
             "#0 2026-01-01 12:00:02.000 I a2", "#1 2026-01-01 12:00:02.000 I b2"}));
}

TEST(UiLogTail, APodsOwnOrderHoldsWhenItsClockGoesBack) {
  ClusterView c;
  PodView a;
  a.record.seq = 4;
  a.log = {"2026-01-01 12:00:05.000 I late", "2026-01-01 12:00:01.000 I early"};
  c.pods = {a};
  EXPECT_EQ(merge_logs(c),
            (Lines{"#4 2026-01-01 12:00:05.000 I late", "#4 2026-01-01 12:00:01.000 I early"}));
  EXPECT_EQ(leading_timestamp("2026-01-01 12:00:01.000 x"), "2026-01-01 12:00:01.000");
  EXPECT_EQ(leading_timestamp("[child] 2026"), "");
}

}  // namespace
}  // namespace ochopod::cli::ui
