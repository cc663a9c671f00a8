// The model's helpers: element ids, lookups in a snapshot, and the stream's
// ?view= parsed (docs/ui.md "The live stream", "Element ids").
#include "cli/ui/model.h"

#include <gtest/gtest.h>

namespace ochopod::cli::ui {
namespace {

PodView pod(int seq, const std::string& uuid) {
  PodView p;
  p.record.cluster = "shop.web";
  p.record.seq = seq;
  p.record.uuid = uuid;
  return p;
}

TEST(UiModel, DomIdIsClusterAndSeqWithTheUuidOnlyForDuplicates) {
  PodView p = pod(3, "0123456789abcdef");
  EXPECT_EQ(p.dom_id(), "shop.web-3");
  p.duplicate_seq = true;
  EXPECT_EQ(p.dom_id(), "shop.web-3-01234567");
}

TEST(UiModel, LookupsFindClustersPodsActionsAndTheLeader) {
  Snapshot s;
  ClusterView a;
  a.name = "a.x";
  ClusterView b;
  b.name = "b.y";
  b.pods = {pod(1, "u1"), pod(2, "u2")};
  b.pods[1].leader = true;
  s.clusters = {a, b};
  ActionRecord r;
  r.id = 7;
  s.actions = {r};
  ASSERT_NE(s.cluster("b.y"), nullptr);
  EXPECT_EQ(s.cluster("c.z"), nullptr);
  EXPECT_EQ(s.cluster("a.x")->leader(), nullptr);
  ASSERT_NE(s.cluster("b.y")->leader(), nullptr);
  EXPECT_EQ(s.cluster("b.y")->leader()->record.seq, 2);
  ASSERT_NE(s.pod("b.y", 1), nullptr);
  EXPECT_EQ(s.pod("b.y", 1)->record.uuid, "u1");
  EXPECT_EQ(s.pod("b.y", 9), nullptr);
  EXPECT_EQ(s.pod("nope", 1), nullptr);
  ASSERT_NE(s.action(7), nullptr);
  EXPECT_EQ(s.action(8), nullptr);
}

TEST(UiModel, StreamViewsParse) {
  EXPECT_EQ(parse_stream_view("overview", "shop.*")->glob, "shop.*");
  EXPECT_EQ(parse_stream_view("overview")->kind, ViewKey::Kind::kOverview);
  EXPECT_EQ(parse_stream_view("events")->kind, ViewKey::Kind::kEvents);
  EXPECT_EQ(parse_stream_view("actions")->kind, ViewKey::Kind::kActions);
  const auto cluster = parse_stream_view("cluster:shop.web");
  ASSERT_TRUE(cluster);
  EXPECT_EQ(cluster->kind, ViewKey::Kind::kCluster);
  EXPECT_EQ(cluster->cluster, "shop.web");
  const auto pod_view = parse_stream_view("pod:shop.web#12");
  ASSERT_TRUE(pod_view);
  EXPECT_EQ(pod_view->kind, ViewKey::Kind::kPod);
  EXPECT_EQ(pod_view->cluster, "shop.web");
  EXPECT_EQ(pod_view->seq, 12);
  EXPECT_EQ(parse_stream_view("logs:shop.web")->kind, ViewKey::Kind::kLogs);
  EXPECT_EQ(parse_stream_view("action:42")->action, 42u);
  for (const char* bad :
       {"", "nope", "cluster:", "cluster", "pod:shop.web", "pod:shop.web#", "pod:shop.web#x",
        "pod:#3", "pod:a#-1", "action:x", "events:x", "overview:y"}) {
    EXPECT_FALSE(parse_stream_view(bad)) << bad;
  }
}

}  // namespace
}  // namespace ochopod::cli::ui
