// The pages (cli/ui/pages/views.h): hostile text from pods, ZooKeeper and
// tools never reaches a page unescaped, read-only sessions get no control,
// secrets stay masked, pages embed exactly the stream's fragments, and the
// confirmation form asks what docs/ui.md says it asks.
#include "cli/ui/pages/views.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cli/ui/pages/text.h"

namespace ochopod::cli::ui {
namespace {

using nlohmann::json;

// Everything a pod, a registration or a tool controls, at once: markup,
// both quotes breaking out of attributes, ANSI, C0 controls, invalid UTF-8.
const std::string kEvil =
    "<script>alert(1)</script><img src=x onerror=alert(2)>x\" data-pwned=\"1' data-pwned2='2"
    "\x1b[31mred\x1b[0m\x07\xff\xfe";
const std::string kCluster = "shop." + kEvil;
const std::string kSecret = "s3cr3t-never-shown";

PodView pod(int seq, const std::string& uuid, bool leader, const std::string& process) {
  PodView p;
  p.record.cluster = kCluster;
  p.record.uuid = uuid;
  p.record.node = uuid + ".000000000" + std::to_string(seq);
  p.record.seq = seq;
  p.record.payload = {{"cluster", kEvil},
                      {"namespace", "shop"},
                      {"ip", "10.0.0." + std::to_string(seq)},
                      {"public", "1.2.3.4"},
                      {"port", "8080"},
                      {"ports", {{"8080", 31000 + seq}, {kEvil, 1}}},
                      {"node", "node-" + std::to_string(seq) + kEvil},
                      {"token", kSecret},
                      {"db_password", kSecret},
                      {kEvil, kEvil},
                      {"seq", seq}};
  p.leader = leader;
  p.in_snapshot = seq != 3;
  p.info.at = 995;
  p.info.result.ok = true;
  p.info.result.http = 200;
  json info = p.record.payload;
  info["state"] = leader ? "leader" : "follower";
  info["process"] = process;
  info["status"] = kEvil;
  info["metrics"] = {{"load", 0.5}, {kEvil, kEvil}};
  info["dependencies"] = json::array({kEvil});
  p.info.result.data = {{"info", info}};
  p.metrics.at = 995;
  p.metrics.result.ok = true;
  p.metrics.result.data = {{"metrics",
                            {{"ochopod_child_uptime_seconds", 11532},
                             {"ochopod_child_restarts_total", 2},
                             {"ochopod_child_last_exit_code", 137},
                             {"ochopod_child_state{state=\"" + kEvil + "\"}", 1}}}};
  p.log = {"2024-05-01 10:00:0" + std::to_string(seq) + " I " + kEvil + "\n", kEvil};
  p.log_at = 990;
  return p;
}

Snapshot hostile() {
  Snapshot s;
  s.version = 7;
  s.at = 1000;
  s.zk.connected = false;
  s.zk.stale_since = 900;
  s.zk.address = "zk-1:2181" + kEvil;
  ClusterView c;
  c.name = kCluster;
  c.pods = {pod(1, "aaaaaaaa-1", true, "running"), pod(2, "bbbbbbbb-2", false, "stopped"),
            pod(3, "cccccccc-3", false, "dead")};
  c.pods[2].info.result.ok = false;  // unreachable, with a hostile reason
  c.pods[2].info.result.http = 0;
  c.pods[2].info.reason = "TLS verify failed: " + kEvil;
  c.pods[1].metrics.result.ok = false;  // a Python pod
  c.pods[1].metrics.result.http = 404;
  c.configured_at = 700;
  c.snapshot_size = 2;
  c.dependencies = {kEvil};
  s.clusters.push_back(c);
  s.events.push_back({1, 950, "state", kCluster, 2, "running -> stopped " + kEvil});
  s.events.push_back({2, 960, kEvil, "", -1, kEvil});
  ActionRecord a;
  a.id = 4;
  a.action = "rolling-restart";
  a.cluster = kCluster;
  a.detail = kEvil;
  a.who = "code@127.0.0.1" + kEvil;
  a.started = 980;
  a.pods = {{kCluster + " #1", 1, true, false, 406, "HTTP 406 " + kEvil},
            {kCluster + " #2", 2, false, false, 0, ""}};
  a.output = {"#1 " + kEvil};
  s.actions.push_back(a);
  return s;
}

std::vector<ViewKey> views() {
  std::vector<ViewKey> out;
  out.push_back({});
  out.push_back({ViewKey::Kind::kOverview, "", -1, 0, kEvil});
  out.push_back({ViewKey::Kind::kCluster, kCluster, -1, 0, "*"});
  for (int seq : {1, 2, 3}) out.push_back({ViewKey::Kind::kPod, kCluster, seq, 0, "*"});
  out.push_back({ViewKey::Kind::kLogs, kCluster, -1, 0, "*"});
  out.push_back({ViewKey::Kind::kEvents, "", -1, 0, "*"});
  out.push_back({ViewKey::Kind::kActions, "", -1, 0, "*"});
  out.push_back({ViewKey::Kind::kAction, "", -1, 4, "*"});
  return out;
}

const Viewer kOperator{true, "csrf-token-1", "code@127.0.0.1"};
const Viewer kReader{false, "", "token@10.0.0.5"};

ActionDraft draft(const std::string& action, std::vector<int> seqs) {
  ActionDraft d;
  d.action = action;
  d.cluster = kCluster;
  d.seqs = std::move(seqs);
  d.body = kEvil;
  d.tool = kEvil;
  return d;
}

// Every page and fragment the snapshot can give, with who sees it.
std::vector<std::pair<std::string, std::string>> everything(const Snapshot& s, const Viewer& v) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& view : views()) {
    auto page = view_page(view, s, v);
    EXPECT_TRUE(page.has_value());
    out.emplace_back("page", page.value_or(""));
    for (const auto& [id, html] : view_fragments(view, s, v)) out.emplace_back(id, html);
  }
  for (const char* action : {"on", "off", "restart", "kill", "signal", "exec", "rolling-restart"}) {
    out.emplace_back(std::string("confirm ") + action,
                     confirm_page(draft(action, {1, 3}), s, v, kEvil));
    out.emplace_back(std::string("confirm all ") + action, confirm_page(draft(action, {}), s, v));
  }
  out.emplace_back("confirm unknown", confirm_page(draft(kEvil, {1}), s, v));
  out.emplace_back("login", login_page(kEvil));
  out.emplace_back("message", message_page(404, kEvil, kEvil));
  return out;
}

bool valid_utf8(const std::string& text) {
  for (size_t i = 0; i < text.size();) {
    unsigned char c = text[i];
    size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > text.size()) return false;
    for (size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(text[i + k]) >> 6) != 2) return false;
    }
    i += n;
  }
  return true;
}

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(UiViews, HostileTextNeverAppearsUnescaped) {
  Snapshot s = hostile();
  for (const Viewer& v : {kOperator, kReader}) {
    for (const auto& [what, html] : everything(s, v)) {
      SCOPED_TRACE(what);
      EXPECT_FALSE(html.empty());
      // The one script is ours, in the head of whole documents.
      EXPECT_EQ(count(html, "<script"), html.starts_with("<!doctype") ? 1u : 0u);
      EXPECT_EQ(html.find("<img"), std::string::npos);
      EXPECT_EQ(html.find("data-pwned=\""), std::string::npos);
      EXPECT_EQ(html.find("data-pwned2='"), std::string::npos);
      EXPECT_EQ(html.find('\x1b'), std::string::npos);
      EXPECT_EQ(html.find('\x07'), std::string::npos);
      EXPECT_TRUE(valid_utf8(html));
    }
  }
}

TEST(UiViews, SecretLookingRegistrationKeysAreMasked) {
  Snapshot s = hostile();
  for (const auto& [what, html] : everything(s, kOperator)) {
    SCOPED_TRACE(what);
    EXPECT_EQ(html.find(kSecret), std::string::npos);
  }
  auto page = view_page({ViewKey::Kind::kPod, kCluster, 1, 0, "*"}, s, kOperator);
  ASSERT_TRUE(page);
  EXPECT_NE(page->find("********"), std::string::npos);
}

TEST(UiViews, AReadOnlySessionMaySignOutAndNothingElse) {
  const Viewer reader{false, "csrf-reader", "token@10.0.0.5"};
  Snapshot s = hostile();
  for (const auto& [what, html] : everything(s, reader)) {
    SCOPED_TRACE(what);
    if (what == "login" || !html.starts_with("<!doctype")) continue;
    size_t forms = 0;
    for (size_t at = html.find("method=\"post\""); at != std::string::npos;
         at = html.find("method=\"post\"", at + 1)) {
      ++forms;
      EXPECT_EQ(html.compare(at, 31, "method=\"post\" action=\"/logout\">"), 0)
          << html.substr(at, 60);
    }
    EXPECT_LE(forms, 1u);
    EXPECT_EQ(html.find("/confirm"), std::string::npos);
    EXPECT_EQ(html.find("<meta name=\"csrf\""), std::string::npos);
  }
}

TEST(UiViews, ReadOnlyRendersNoControl) {
  Snapshot s = hostile();
  for (const auto& [what, html] : everything(s, kReader)) {
    SCOPED_TRACE(what);
    if (what == "login") continue;  // the sign-in form, before any session
    EXPECT_EQ(html.find("method=\"post\""), std::string::npos);
    EXPECT_EQ(html.find("/confirm"), std::string::npos);
    EXPECT_EQ(html.find("name=\"csrf\""), std::string::npos);
    EXPECT_EQ(html.find("type=\"checkbox\""), std::string::npos);
    if (html.starts_with("<!doctype") && what.starts_with("page")) {
      EXPECT_NE(html.find("Read-only session"), std::string::npos);
    }
  }
}

TEST(UiViews, OperatorsGetTheControls) {
  Snapshot s = hostile();
  auto cluster = view_page({ViewKey::Kind::kCluster, kCluster, -1, 0, "*"}, s, kOperator);
  ASSERT_TRUE(cluster);
  EXPECT_NE(cluster->find("<meta name=\"csrf\" content=\"csrf-token-1\">"), std::string::npos);
  EXPECT_NE(cluster->find("action=\"/confirm\""), std::string::npos);
  EXPECT_NE(cluster->find("value=\"rolling-restart\""), std::string::npos);
  EXPECT_EQ(cluster->find("Read-only session"), std::string::npos);
  // A running rolling restart can be cancelled, with the session's token.
  auto action = view_page({ViewKey::Kind::kAction, "", -1, 4, "*"}, s, kOperator);
  ASSERT_TRUE(action);
  EXPECT_NE(action->find("action=\"/actions/4/cancel\""), std::string::npos);
}

TEST(UiViews, PagesEmbedExactlyTheStreamsFragments) {
  Snapshot s = hostile();
  for (const auto& view : views()) {
    for (const Viewer& v : {kOperator, kReader}) {
      auto page = view_page(view, s, v);
      Fragments f = view_fragments(view, s, v);
      ASSERT_TRUE(page);
      ASSERT_GE(f.size(), 3u);
      EXPECT_EQ(f[0].first, "summary");
      EXPECT_EQ(f[1].first, "zk-status");
      size_t at = 0;
      for (const auto& [id, html] : f) {
        SCOPED_TRACE(id);
        // The fragment's root element carries its id (escaped like any
        // text: kEvil in a cluster's name has quotes), and it sits in the
        // page once, in order.
        EXPECT_NE(html.find("id=\"" + ui::html(id) + "\""), std::string::npos);
        EXPECT_LT(html.find("id=\"" + ui::html(id) + "\""), html.find('>'));
        EXPECT_EQ(count(*page, html), 1u);
        size_t here = page->find(html);
        EXPECT_GE(here, at);
        at = here;
      }
    }
  }
}

TEST(UiViews, FragmentIdsFollowTheContract) {
  Snapshot s = hostile();
  auto ids = [&](const ViewKey& view) {
    std::vector<std::string> out;
    for (const auto& [id, html] : view_fragments(view, s, kOperator)) out.push_back(id);
    return out;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(ids({}), (V{"summary", "zk-status", "clusters-body"}));
  EXPECT_EQ(ids({ViewKey::Kind::kCluster, kCluster, -1, 0, "*"}),
            (V{"summary", "zk-status", "cluster-head", "pods-body"}));
  EXPECT_EQ(ids({ViewKey::Kind::kPod, kCluster, 2, 0, "*"}),
            (V{"summary", "zk-status", "pod-head", "log-" + kCluster + "-2", "pod-info",
               "pod-metrics", "pod-registration"}));
  EXPECT_EQ(ids({ViewKey::Kind::kLogs, kCluster, -1, 0, "*"}),
            (V{"summary", "zk-status", "log-" + kCluster}));
  EXPECT_EQ(ids({ViewKey::Kind::kEvents, "", -1, 0, "*"}),
            (V{"summary", "zk-status", "events-body"}));
  EXPECT_EQ(ids({ViewKey::Kind::kActions, "", -1, 0, "*"}),
            (V{"summary", "zk-status", "actions-body"}));
  EXPECT_EQ(ids({ViewKey::Kind::kAction, "", -1, 4, "*"}), (V{"summary", "zk-status", "action-4"}));
}

TEST(UiViews, UnknownTargetsHaveNoPage) {
  Snapshot s = hostile();
  EXPECT_FALSE(view_page({ViewKey::Kind::kCluster, "nope", -1, 0, "*"}, s, kOperator));
  EXPECT_FALSE(view_page({ViewKey::Kind::kPod, kCluster, 9, 0, "*"}, s, kOperator));
  EXPECT_FALSE(view_page({ViewKey::Kind::kLogs, "nope", -1, 0, "*"}, s, kOperator));
  EXPECT_FALSE(view_page({ViewKey::Kind::kAction, "", -1, 99, "*"}, s, kOperator));
  EXPECT_TRUE(view_fragments({ViewKey::Kind::kPod, kCluster, 9, 0, "*"}, s, kOperator).empty());
}

TEST(UiViews, StateIsTextNotColourAlone) {
  Snapshot s = hostile();
  auto page = *view_page({ViewKey::Kind::kCluster, kCluster, -1, 0, "*"}, s, kReader);
  EXPECT_NE(page.find("✓</span> running"), std::string::npos);
  EXPECT_NE(page.find("■</span> stopped"), std::string::npos);
  EXPECT_NE(page.find("waiting for a round"), std::string::npos);
  EXPECT_NE(page.find("Python pod"), std::string::npos);
  EXPECT_NE(page.find("for 3h12m"), std::string::npos);
  EXPECT_NE(page.find("last exit 137"), std::string::npos);
  EXPECT_NE(page.find("data-stream=\"cluster:"), std::string::npos);
  EXPECT_NE(page.find("<caption"), std::string::npos);
  EXPECT_NE(page.find("href=\"#main\""), std::string::npos);
  auto overview = *view_page({}, s, kReader);
  EXPECT_NE(overview.find("1/3"), std::string::npos);
  EXPECT_NE(overview.find("1 unreachable"), std::string::npos);
  EXPECT_NE(overview.find("degraded"), std::string::npos);
  EXPECT_NE(overview.find("ZooKeeper lost since"), std::string::npos);
}

TEST(UiViews, KillAsksForTheClustersNameAndAllPodsForTheCheckbox) {
  Snapshot s = hostile();
  std::string kill = confirm_page(draft("kill", {1}), s, kOperator);
  EXPECT_NE(kill.find("method=\"post\" action=\"/actions\""), std::string::npos);
  EXPECT_NE(kill.find("name=\"confirm\""), std::string::npos);
  EXPECT_NE(kill.find("name=\"csrf\" value=\"csrf-token-1\""), std::string::npos);
  EXPECT_NE(kill.find("name=\"seq\" value=\"1\""), std::string::npos);
  EXPECT_NE(kill.find("name=\"expect\" value=\"aaaaaaaa-1\""), std::string::npos);
  EXPECT_EQ(kill.find("value=\"bbbbbbbb-2\""), std::string::npos);
  EXPECT_EQ(kill.find("name=\"all\""), std::string::npos);
  EXPECT_NE(kill.find("on node-1"), std::string::npos);

  std::string off_all = confirm_page(draft("off", {}), s, kOperator);
  EXPECT_NE(off_all.find("name=\"all\""), std::string::npos);
  EXPECT_NE(off_all.find("all 3 pods"), std::string::npos);
  EXPECT_EQ(off_all.find("name=\"confirm\""), std::string::npos);
  for (const char* uuid : {"aaaaaaaa-1", "bbbbbbbb-2", "cccccccc-3"}) {
    EXPECT_NE(off_all.find("name=\"expect\" value=\"" + std::string(uuid) + "\""),
              std::string::npos);
  }
  EXPECT_NE(confirm_page(draft("signal", {2}), s, kOperator).find("name=\"body\""),
            std::string::npos);
  EXPECT_NE(confirm_page(draft("exec", {2}), s, kOperator).find("name=\"tool\""),
            std::string::npos);
  EXPECT_EQ(confirm_page(draft("kill", {1}), s, kReader).find("<form method=\"post\""),
            std::string::npos);
}

}  // namespace
}  // namespace ochopod::cli::ui

#include "cli/ui/pages/assets.h"

namespace ochopod::cli::ui {
namespace {

TEST(UiViewsAssets, EmbeddedFilesAreServedWithTypeAndHash) {
  for (const char* name : {"app.js", "app.css", "favicon.svg"}) {
    const Asset* a = find_asset(name);
    ASSERT_NE(a, nullptr) << name;
    EXPECT_FALSE(a->bytes.empty());
    EXPECT_EQ(a->etag.front(), '"');
    EXPECT_EQ(asset_url(name), "/assets/" + std::string(name) + "?v=" + a->etag.substr(1, 12));
  }
  EXPECT_EQ(find_asset("app.js")->content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(find_asset("favicon.svg")->content_type, "image/svg+xml");
  EXPECT_EQ(find_asset("nope.js"), nullptr);
  EXPECT_LT(find_asset("app.js")->bytes.size(), 15u * 1024);
}

}  // namespace
}  // namespace ochopod::cli::ui
