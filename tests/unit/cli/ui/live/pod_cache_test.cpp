// The pods' answers cached by tiers of interest, with backoff, a cap on the
// calls in flight, and calls at once on news; a fake fetcher and manual
// schedulers, so nothing sleeps.
#include "cli/ui/live/pod_cache.h"

#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "harness/manual_scheduler.h"

namespace ochopod::cli::ui {
namespace {

using namespace std::chrono_literals;
using test::ManualScheduler;

PodView pod(const std::string& cluster, int seq) {
  PodView p;
  p.record.cluster = cluster;
  p.record.seq = seq;
  p.record.uuid = "u" + std::to_string(seq);
  p.record.node = p.record.uuid + ".0000000001";
  return p;
}

ClusterView cluster(const std::string& name, int pods) {
  ClusterView c;
  c.name = name;
  for (int i = 0; i < pods; ++i) c.pods.push_back(pod(name, i));
  return c;
}

class UiPodCache : public ::testing::Test {
 protected:
  UiPodCache()
      : cache(
            loop, fetch, [this](const FetchCall& call) { return answer(call); }, CacheSettings{},
            [this](const std::string& c) { changed.push_back(c); }, [] { return 77.0; }) {}

  PodResult answer(const FetchCall& call) {
    std::lock_guard lock(mutex);
    calls.push_back(call.pod.cluster + "#" + std::to_string(call.pod.seq) + " " +
                    (call.kind == CallKind::kInfo      ? "info"
                     : call.kind == CallKind::kMetrics ? "metrics"
                                                       : "log"));
    PodResult r;
    r.ok = !failing;
    if (failing) {
      r.error = "no answer (connection timed out)";
    } else {
      r.data["info"] = {{"process", "running"}, {"dependencies", {{"db", {}}}}};
      r.lines = {"line"};
    }
    return r;
  }

  // Runs the batch in flight and hands its answers back.
  void answer_batch() {
    fetch.run_ready();
    loop.run_ready();
  }

  std::vector<std::string> take() {
    std::lock_guard lock(mutex);
    std::vector<std::string> out;
    out.swap(calls);
    std::sort(out.begin(), out.end());
    return out;
  }

  std::chrono::milliseconds due_in(const std::string& c, int seq, CallKind kind = CallKind::kInfo) {
    const auto at = cache.due(c, "u" + std::to_string(seq) + ".0000000001", kind);
    EXPECT_TRUE(at);
    return std::chrono::duration_cast<std::chrono::milliseconds>(*at - loop.now());
  }

  ManualScheduler loop;
  ManualScheduler fetch;
  std::mutex mutex;
  std::vector<std::string> calls;
  std::vector<std::string> changed;
  bool failing = false;
  PodCache cache;
};

TEST_F(UiPodCache, NewPodsAreAskedAtOnceThenByTheirTier) {
  cache.set_pods({cluster("a.x", 1), cluster("b.y", 1)});
  EXPECT_EQ(cache.in_flight(), 2u);
  answer_batch();
  EXPECT_EQ(take(), (std::vector<std::string>{"a.x#0 info", "b.y#0 info"}));
  EXPECT_EQ(cache.in_flight(), 0u);
  EXPECT_EQ(changed.size(), 2u);
  EXPECT_EQ(due_in("a.x", 0), 15000ms);
  cache.set_interest(interest_of({*parse_stream_view("cluster:a.x")}));
  EXPECT_EQ(due_in("a.x", 0), 500ms);
  EXPECT_EQ(due_in("b.y", 0), 15000ms);
  loop.advance(500ms);
  answer_batch();
  EXPECT_EQ(take(), (std::vector<std::string>{"a.x#0 info"}));

  std::vector<ClusterView> views = {cluster("a.x", 1)};
  cache.fill(&views);
  EXPECT_TRUE(views[0].pods[0].info.result.ok);
  EXPECT_EQ(views[0].pods[0].info.at, 77.0);
  // As /info names it, within the pod's namespace; shown by its full name.
  EXPECT_EQ(views[0].dependencies, (std::vector<std::string>{"a.db"}));
}

TEST_F(UiPodCache, MetricsAndLogOnlyForWhatAPageShows) {
  cache.set_interest(
      interest_of({*parse_stream_view("pod:a.x#1"), *parse_stream_view("logs:b.y")}));
  cache.set_pods({cluster("a.x", 2), cluster("b.y", 1)});
  answer_batch();
  EXPECT_EQ(take(), (std::vector<std::string>{"a.x#0 info", "a.x#1 info", "a.x#1 log",
                                              "a.x#1 metrics", "b.y#0 info", "b.y#0 log"}));
  EXPECT_EQ(due_in("a.x", 1, CallKind::kMetrics), 2000ms);
  EXPECT_EQ(due_in("a.x", 1, CallKind::kLog), 1000ms);
  EXPECT_FALSE(cache.due("a.x", "u0.0000000001", CallKind::kMetrics));
  std::vector<ClusterView> views = {cluster("a.x", 2)};
  cache.fill(&views);
  EXPECT_EQ(views[0].pods[1].log, (std::vector<std::string>{"line"}));
  EXPECT_TRUE(views[0].pods[0].log.empty());
}

TEST_F(UiPodCache, TheRefreshFactorScalesTheTiers) {
  PodCache slow(
      loop, fetch, [](const FetchCall&) { return PodResult{}; }, CacheSettings{2, 16, 200},
      nullptr);
  slow.set_pods({cluster("a.x", 1)});
  answer_batch();
  const auto at = slow.due("a.x", "u0.0000000001", CallKind::kInfo);
  ASSERT_TRUE(at);
  EXPECT_EQ(*at - loop.now(), 30000ms);  // the 15 s tier, doubled (above the 1 s backoff)
}

TEST_F(UiPodCache, SilentPodsBackOffDoublingToThirtySeconds) {
  failing = true;
  cache.set_interest(interest_of({*parse_stream_view("cluster:a.x")}));
  cache.set_pods({cluster("a.x", 1)});
  std::vector<int64_t> waits;
  for (int i = 0; i < 7; ++i) {
    answer_batch();
    const auto wait = due_in("a.x", 0);
    waits.push_back(wait.count());
    loop.advance(wait);
  }
  EXPECT_EQ(waits, (std::vector<int64_t>{1000, 2000, 4000, 8000, 16000, 30000, 30000}));
  std::vector<ClusterView> views = {cluster("a.x", 1)};
  cache.fill(&views);
  EXPECT_EQ(views[0].pods[0].info.reason, "timeout");
  EXPECT_EQ(views[0].pods[0].info.failures, 7);
  failing = false;
  answer_batch();
  EXPECT_EQ(due_in("a.x", 0), 500ms);
}

TEST_F(UiPodCache, AtMostSixteenInFlightAndAboutTwoHundredASecond) {
  cache.set_pods({cluster("a.x", 40)});
  EXPECT_EQ(cache.in_flight(), 16u);
  EXPECT_EQ(cache.calls_sent(), 16u);
  cache.fetch_now("a.x");  // nothing more while a batch runs
  EXPECT_EQ(cache.calls_sent(), 16u);
  answer_batch();
  // 16 calls at 200/s: the next batch waits 80 ms.
  EXPECT_EQ(cache.in_flight(), 0u);
  loop.advance(79ms);
  EXPECT_EQ(cache.in_flight(), 0u);
  loop.advance(1ms);
  EXPECT_EQ(cache.in_flight(), 16u);
}

TEST_F(UiPodCache, NewsAboutAPodAsksItAtOnce) {
  cache.set_pods({cluster("a.x", 2)});
  answer_batch();
  take();
  loop.advance(100ms);
  cache.fetch_now("a.x", "u1.0000000001");
  EXPECT_EQ(cache.in_flight(), 1u);
  answer_batch();
  EXPECT_EQ(take(), (std::vector<std::string>{"a.x#1 info"}));
  loop.advance(100ms);
  cache.fetch_now("a.x");
  answer_batch();
  EXPECT_EQ(take(), (std::vector<std::string>{"a.x#0 info", "a.x#1 info"}));
}

TEST_F(UiPodCache, AnswersForPodsGoneAreDropped) {
  cache.set_pods({cluster("a.x", 1)});
  cache.set_pods({});
  answer_batch();
  std::vector<ClusterView> views = {cluster("a.x", 1)};
  cache.fill(&views);
  EXPECT_EQ(views[0].pods[0].info.at, 0);
  EXPECT_EQ(cache.in_flight(), 0u);
}

TEST(UiPodCacheReasons, FewWordsForPeople) {
  auto failed = [](int http, const std::string& error) {
    PodResult r;
    r.http = http;
    r.error = error;
    return reason_of(r);
  };
  EXPECT_EQ(failed(0, "no answer (connection timed out)"), "timeout");
  EXPECT_EQ(failed(0, "no answer (timed out or connection closed)"), "timeout");
  EXPECT_EQ(failed(0, "no answer (connection refused)"), "refused");
  EXPECT_EQ(failed(401, "HTTP 401 (no valid token: ...)"), "401 token needed");
  EXPECT_EQ(failed(410, "HTTP 410 (dead)"), "HTTP 410 (dead)");
  EXPECT_EQ(failed(404, ""), "HTTP 404");
  EXPECT_EQ(failed(0, "no answer (certificate verify failed: self signed certificate)"),
            "TLS verify failed: self signed certificate");
  EXPECT_EQ(failed(0, "control port not in its registration"),
            "control port not in its registration");
  PodResult ok;
  ok.ok = true;
  EXPECT_EQ(reason_of(ok), "");
}

TEST(UiPodCacheMetrics, TheHighlightsOfAPodsMetrics) {
  const auto m = metrics_highlights(
      "# HELP ochopod_child_starts_total Child processes started.\n"
      "ochopod_child_starts_total 3\n"
      "ochopod_child_restarts_total 2\n"
      "ochopod_child_last_exit_code -1\n"
      "ochopod_child_uptime_seconds 12.5\n"
      "ochopod_child_state{state=\"stopped\"} 0\n"
      "ochopod_child_state{state=\"running\"} 1\n"
      "ochopod_control_requests_total{endpoint=\"/info\"} 4\n"
      "ochopod_control_requests_total{endpoint=\"/log\"} 1\n"
      "ochopod_user_metric{name=\"x\"} 9\n");
  EXPECT_EQ(m["ochopod_child_starts_total"], 3.0);
  EXPECT_EQ(m["ochopod_child_restarts_total"], 2.0);
  EXPECT_EQ(m["ochopod_child_last_exit_code"], -1.0);
  EXPECT_EQ(m["ochopod_child_uptime_seconds"], 12.5);
  EXPECT_EQ(m["ochopod_child_state"], "running");
  EXPECT_EQ(m["ochopod_control_requests_total"], 5.0);
  EXPECT_FALSE(m.contains("ochopod_user_metric"));
}

}  // namespace
}  // namespace ochopod::cli::ui
