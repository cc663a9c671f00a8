// The timeline derived from two pictures of the clusters.
#include "cli/ui/live/timeline.h"

#include <gtest/gtest.h>

namespace ochopod::cli::ui {
namespace {

PodView pod(int seq, const std::string& process = "") {
  PodView p;
  p.record.cluster = "shop.web";
  p.record.seq = seq;
  p.record.uuid = "uuid-" + std::to_string(seq);
  p.record.node = p.record.uuid + ".000000000" + std::to_string(seq);
  if (!process.empty()) {
    p.info.result.ok = true;
    p.info.result.data["info"] = {{"process", process}, {"state", "follower"}};
    p.info.at = 1;
  }
  return p;
}

ClusterView cluster(std::vector<PodView> pods) {
  ClusterView c;
  c.name = "shop.web";
  c.pods = std::move(pods);
  return c;
}

std::vector<std::string> kinds(const Timeline& t) {
  std::vector<std::string> out;
  for (const auto& e : t.list())
    out.push_back(e.kind + " " + std::to_string(e.seq) + " " + e.detail);
  return out;
}

TEST(UiTimeline, JoinedAndLeft) {
  Timeline t;
  t.compare({cluster({pod(0)})}, {cluster({pod(1)})}, 5);
  EXPECT_EQ(kinds(t), (std::vector<std::string>{"left 0 uuid-0", "joined 1 uuid-1"}));
  EXPECT_EQ(t.list()[0].at, 5);
  EXPECT_EQ(t.list()[1].id, t.list()[0].id + 1);
}

TEST(UiTimeline, LeaderChangeAndConfiguration) {
  ClusterView before = cluster({pod(0), pod(1)});
  before.pods[0].leader = true;
  ClusterView after = before;
  after.pods[0].leader = false;
  after.pods[1].leader = true;
  after.configured_at = 100;
  after.snapshot_size = 2;
  Timeline t;
  t.compare({before}, {after}, 1);
  EXPECT_EQ(kinds(t),
            (std::vector<std::string>{"leader 1 #0 -> #1",
                                      "configured -1 2 pods in snapshot of 2 registered"}));
  t.compare({after}, {after}, 2);
  EXPECT_EQ(t.size(), 2u);
}

TEST(UiTimeline, ProcessStateAndReachability) {
  ClusterView before = cluster({pod(0, "running"), pod(1, "running")});
  ClusterView after = cluster({pod(0, "stopped"), pod(1)});
  after.pods[1].info.failures = 1;
  after.pods[1].info.reason = "timeout";
  Timeline t;
  t.compare({before}, {after}, 1);
  EXPECT_EQ(kinds(t),
            (std::vector<std::string>{"process 0 running -> stopped", "unreachable 1 timeout"}));
  ClusterView again = cluster({pod(0, "stopped"), pod(1, "running")});
  t.compare({after}, {again}, 2);
  EXPECT_EQ(kinds(t).back(), "reachable 1 after 1 failed call(s)");
}

TEST(UiTimeline, TheRingKeepsTheNewest) {
  Timeline t(3);
  for (int i = 0; i < 5; ++i) t.add(Event{0, 0, "action", "c", -1, std::to_string(i)});
  ASSERT_EQ(t.size(), 3u);
  EXPECT_EQ(t.list().front().detail, "2");
  EXPECT_EQ(t.list().back().id, 5u);
  EXPECT_EQ(t.last_id(), 5u);
}

}  // namespace
}  // namespace ochopod::cli::ui
