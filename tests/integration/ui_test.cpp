// `ochopod ui` (docs/ui.md) as a real process, against a real ZooKeeper and
// real `ochopod run` pods: its JSON API says what `ochopod ls -j` and `info
// -j` say, its event stream shows a pod joining, leaving and being turned off
// within a second (the latencies are printed and recorded as properties), its
// access rules (401, 421, 403, 409, 400, the one-time code, the CSRF token),
// operator actions through the API, and pods serving HTTPS seen with the
// right and a wrong CA.
#include <gtest/gtest.h>
#include <signal.h>

#include <iostream>
#include <regex>
#include <set>

#include "ui_fixture.h"

namespace ochopod::test {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

bool contains(const std::string& text, const std::string& what) {
  return text.find(what) != std::string::npos;
}

long long ms_between(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(to - from).count();
}

// What `info -j` and the API share that does not move between two reads:
// per pod ok, http, and /info's process, state and status (uptime and
// friends do move).
json stable_fields(const json& pods) {
  json out = json::object();
  if (!pods.is_object()) return pods;
  for (const auto& [key, e] : pods.items()) {
    json s = {{"ok", e.value("ok", false)}, {"http", e.value("http", 0)}};
    if (e.contains("info") && e["info"].is_object()) {
      for (const char* field : {"process", "state", "status"}) {
        s[field] = e["info"].value(field, json());
      }
    }
    out[key] = s;
  }
  return out;
}

// The <tr> of row id `row` in a pods-body fragment's HTML; nullopt if absent.
std::optional<std::string> row_html(const std::string& html, const std::string& row) {
  const size_t at = html.find("<tr id=\"" + row + "\"");
  if (at == std::string::npos) return std::nullopt;
  const size_t end = html.find("</tr>", at);
  return html.substr(at, end == std::string::npos ? std::string::npos : end - at);
}

// The html of a `fragment` event replacing element `id`; nullopt otherwise.
std::optional<std::string> fragment_of(const SseStream::Event& e, const std::string& id) {
  if (e.name != "fragment") return std::nullopt;
  const json j = e.json();
  if (!j.is_object() || j.value("id", "") != id || !j.contains("html")) return std::nullopt;
  return j["html"].get<std::string>();
}

// The seqs of the rows `pod-<cluster>-<seq>` in a pods-body fragment.
std::set<int> row_seqs(const std::string& html, const std::string& cluster) {
  std::set<int> out;
  const std::regex id("id=\"pod-" + std::regex_replace(cluster, std::regex(R"(\.)"), R"(\.)") +
                      "-([0-9]+)\"");
  for (auto it = std::sregex_iterator(html.begin(), html.end(), id); it != std::sregex_iterator();
       ++it) {
    out.insert(std::stoi((*it)[1].str()));
  }
  return out;
}

class UiTest : public UiLive {};

// --- the JSON API is the CLI's JSON ------------------------------------------

TEST_F(UiTest, UiApiClustersAndPodsAreWhatLsAndInfoPrint) {
  Pods web, db;
  ASSERT_TRUE(launch_registered(
      spec("web").with_option("--probe=echo all good").with_option("--probe-every=1"), "web", &web,
      2));
  ASSERT_TRUE(launch_registered(spec("db"), "db", &db, 1));
  ASSERT_TRUE(wait_until(
      [&] {
        PodProcess* leader = leader_of(web);
        if (leader == nullptr) return false;
        auto info = pod_info(leader->control_port(), 2s);
        return info && (*info)["status"] == "all good";
      },
      20s, "ctl.web's leader probed 'all good'"));

  // No stream is open, so no cluster is "on screen": every pod is in the
  // slow tier (15 s). --refresh=0.1 makes it 1.5 s, so a change the UI
  // missed at start shows within the deadline below.
  UiProcess* ui = nullptr;
  ASSERT_TRUE(start_ui({"--refresh=0.1"}, &ui));
  const auto deadline = 2 * 1500ms + 5s;

  json api, cli;
  ASSERT_TRUE(wait_until(
      [&] {
        const CliRun ls = ops({"ls", "-j"});
        if (ls.code != 0) return false;
        cli = ls.json();
        api = ui->get_json("/api/v1/clusters");
        return api == cli;
      },
      deadline, "/api/v1/clusters equal to `ochopod ls -j`"))
      << "api: " << api.dump() << "\nls -j: " << cli.dump();
  ASSERT_EQ(api.size(), 2u) << api.dump();
  EXPECT_EQ(api["ctl.web"], (json{{"total", 2}, {"running", 2}, {"status", "all good"}}));
  EXPECT_EQ(api["ctl.db"]["total"], 1);
  EXPECT_EQ(api["ctl.db"]["running"], 1);
  // The ?c= glob filters as ls's does.
  EXPECT_EQ(ui->get_json("/api/v1/clusters?c=*.db"), ops({"ls", "-j", "*.db"}).json());

  for (const auto& [cluster, n] :
       std::vector<std::pair<std::string, size_t>>{{"ctl.web", 2}, {"ctl.db", 1}}) {
    json api_pods, cli_pods;
    ASSERT_TRUE(wait_until(
        [&] {
          const CliRun info = ops({"info", "-j", cluster});
          if (info.code != 0) return false;
          cli_pods = stable_fields(info.json());
          api_pods = stable_fields(ui->get_json("/api/v1/clusters/" + cluster + "/pods"));
          return api_pods == cli_pods;
        },
        deadline,
        "/api/v1/clusters/" + cluster + "/pods equal to `ochopod info -j " + cluster +
            "` (keys; ok, http, process, state, status)"))
        << "api: " << api_pods.dump() << "\ninfo -j: " << cli_pods.dump();
    ASSERT_EQ(api_pods.size(), n) << api_pods.dump();
    for (const auto& [key, e] : api_pods.items()) {
      EXPECT_EQ(e["ok"], true) << key;
      EXPECT_EQ(e["http"], 200) << key;
      EXPECT_EQ(e["process"], "running") << key;
    }
    // The whole entry has what the CLI's has: the same keys under "info".
    const json whole = ui->get_json("/api/v1/clusters/" + cluster + "/pods");
    const json cli_whole = ops({"info", "-j", cluster}).json();
    for (const auto& [key, e] : cli_whole.items()) {
      ASSERT_TRUE(whole.contains(key)) << key;
      std::set<std::string> a, b;
      const json cli_info = e.value("info", json::object());
      const json api_info = whole[key].value("info", json::object());
      for (const auto& [k, v] : cli_info.items()) a.insert(k);
      for (const auto& [k, v] : api_info.items()) b.insert(k);
      EXPECT_EQ(a, b) << key;
    }
  }
  EXPECT_EQ(ui->get("/api/v1/clusters/ctl.nope/pods").status, 404);
}

// --- the live stream ----------------------------------------------------------

TEST_F(UiTest, UiStreamShowsAPodJoiningLeavingAndTurnedOffWithinASecond) {
  Pods pods;
  ASSERT_TRUE(launch_registered(spec("svc"), "svc", &pods, 2));
  std::set<int> seqs;
  for (const auto& p : pods) seqs.insert(seq_of(zk.connect_string(), *p, "ctl.svc"));
  ASSERT_EQ(seqs.size(), 2u);

  // The default tiers: the stream puts ctl.svc on screen (0.5 s).
  UiProcess* ui = nullptr;
  ASSERT_TRUE(start_ui({}, &ui));
  // Opened once the UI has published its first picture (/healthz answers
  // from it): a stream opened before gets a `zk` event saying "not
  // connected" from the empty picture ahead of its fragments.
  UiReply health;
  ASSERT_TRUE(wait_until(
      [&] {
        health = ui->get("/healthz", {});
        return health.status == 200;
      },
      5s, "/healthz answering 200 (the UI's first picture, ZooKeeper connected)"))
      << describe(health);
  EXPECT_EQ(health.json().value("zk", ""), "connected") << health.body;
  SseStream stream(ui->port(), "/api/v1/stream?view=cluster:ctl.svc");
  const auto pods_body = [](const SseStream::Event& e) { return fragment_of(e, "pods-body"); };

  ASSERT_TRUE(wait_until(
      [&] {
        return stream
            .find(0,
                  [&](const SseStream::Event& e) {
                    const auto html = pods_body(e);
                    return html && row_seqs(*html, "ctl.svc") == seqs;
                  })
            .has_value();
      },
      10s, "a pods-body fragment with rows pod-ctl.svc-<seq> for both pods"))
      << "status " << stream.status() << "\n"
      << stream.transcript();
  EXPECT_EQ(stream.status(), 200);
  EXPECT_TRUE(contains(stream.content_type(), "text/event-stream")) << stream.content_type();
  const auto first = stream.events();
  ASSERT_FALSE(first.empty());
  EXPECT_EQ(first[0].name, "fragment") << "the stream starts with the view's fragments\n"
                                       << stream.transcript();
  std::set<std::string> ids;
  for (const auto& e : first) {
    if (e.name == "fragment" && e.json().is_object()) ids.insert(e.json().value("id", ""));
  }
  EXPECT_TRUE(ids.count("pods-body") && ids.count("cluster-head")) << stream.transcript();

  const auto slack = 1s;
  const auto target = 1s;  // docs: within a second

  // Waits for the first event from `from` that pred accepts, until `until`.
  const auto await = [&](size_t from, const std::function<bool(const SseStream::Event&)>& pred,
                         Clock::time_point until,
                         const std::string& what) -> std::optional<SseStream::Event> {
    std::optional<SseStream::Event> found;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now());
    const auto ok = wait_until(
        [&] {
          found = stream.find(from, pred);
          return found.has_value();
        },
        std::max(left, 0ms), what);
    EXPECT_TRUE(ok) << stream.transcript();
    return ok ? found : std::nullopt;
  };

  // A pod joins. The act is the launch; the pod's own start (process, ZK
  // session, registration) is part of the measure, so the deadline counts
  // from the moment its control port answers (it registers about then).
  size_t mark = stream.size();
  const auto launched = Clock::now();
  pods.push_back(std::make_unique<PodProcess>(spec("svc")));
  PodProcess& joiner = *pods.back();
  ASSERT_TRUE(wait_until([&] { return pod_info(joiner.control_port(), 1s).has_value(); }, 20s,
                         "the new pod's control port answering"));
  const auto answering = Clock::now();
  const auto joined = await(
      mark,
      [&](const SseStream::Event& e) {
        const auto html = pods_body(e);
        return html && row_seqs(*html, "ctl.svc").size() == 3;
      },
      answering + target + slack,
      "within 2 s of the new pod answering, a pods-body fragment with its row");
  ASSERT_TRUE(joined) << "the join event did not come";
  const int new_seq = seq_of(zk.connect_string(), joiner, "ctl.svc");
  const std::string new_row = "pod-ctl.svc-" + std::to_string(new_seq);
  EXPECT_TRUE(row_html(*pods_body(*joined), new_row))
      << "the new row is " << new_row << ": " << joined->data;
  const long long join_ms = ms_between(launched, joined->at);
  const long long join_after_answer_ms = ms_between(answering, joined->at);
  RecordProperty("sse_join_ms_from_launch", static_cast<int>(join_ms));
  RecordProperty("sse_join_ms_from_control_port", static_cast<int>(join_after_answer_ms));
  std::cout << "[ui latency] join: " << join_ms << " ms after launching the pod ("
            << join_after_answer_ms << " ms after its control port answered)\n";

  // It leaves: SIGTERM, and its row goes once it deregistered.
  mark = stream.size();
  const auto termed = Clock::now();
  ASSERT_TRUE(joiner.signal(SIGTERM));
  ASSERT_TRUE(joiner.wait_exit(20s)) << "the pod did not exit on SIGTERM";
  const auto exited = Clock::now();
  const auto left = await(
      mark,
      [&](const SseStream::Event& e) {
        const auto html = pods_body(e);
        return html && !row_html(*html, new_row);
      },
      exited + target + slack,
      "within 2 s of the pod's exit, a pods-body fragment without " + new_row);
  ASSERT_TRUE(left) << "the leave event did not come";
  const long long leave_ms = ms_between(termed, left->at);
  const long long leave_after_exit_ms = ms_between(exited, left->at);
  RecordProperty("sse_leave_ms_from_sigterm", static_cast<int>(leave_ms));
  RecordProperty("sse_leave_ms_from_exit", static_cast<int>(leave_after_exit_ms));
  std::cout << "[ui latency] leave: " << leave_ms << " ms after SIGTERM (" << leave_after_exit_ms
            << " ms after the pod's exit was seen; negative: the row went before)\n";

  // `ochopod off` turns one off: its row says stopped.
  const int off_seq = *seqs.begin();
  const std::string off_row = "pod-ctl.svc-" + std::to_string(off_seq);
  mark = stream.size();
  const auto off_started = Clock::now();
  const CliRun off = ops({"off", "-i", std::to_string(off_seq), "ctl.svc"});
  const auto off_done = Clock::now();
  ASSERT_EQ(off.code, 0) << describe(off);
  const auto stopped = await(
      mark,
      [&](const SseStream::Event& e) {
        // The rows are the same ones, so the stream sends that row alone.
        const auto row = fragment_of(e, off_row);
        return row && contains(*row, "stopped");
      },
      off_done + target + slack,
      "within 2 s of `ochopod off` returning, row " + off_row + " saying stopped");
  ASSERT_TRUE(stopped) << "the off event did not come";
  const long long off_ms = ms_between(off_done, stopped->at);
  RecordProperty("sse_off_ms_from_off_return", static_cast<int>(off_ms));
  RecordProperty("sse_off_ms_from_off_start",
                 static_cast<int>(ms_between(off_started, stopped->at)));
  std::cout << "[ui latency] off: " << off_ms << " ms after `ochopod off` returned ("
            << ms_between(off_started, stopped->at) << " ms after it started)\n";
  // Only that row was sent: the other pod's, unchanged, was not.
  const std::string other_row = "pod-ctl.svc-" + std::to_string(*seqs.rbegin());
  const auto events = stream.events();
  for (size_t i = mark; i < events.size(); ++i) {
    const auto& e = events[i];
    EXPECT_FALSE(fragment_of(e, other_row)) << "the unchanged row " << other_row << " was sent";
    EXPECT_FALSE(pods_body(e)) << "the whole table was sent for one row's change";
  }
}

// --- access and actions -------------------------------------------------------

class UiAccess : public UiTest {
 protected:
  void SetUp() override {
    UiTest::SetUp();
    ASSERT_TRUE(launch_registered(spec("svc"), "svc", &pods_, 2));
    for (const auto& p : pods_) {
      const auto r = registration_of(zk.connect_string(), p->control_port(), "ctl.svc");
      ASSERT_TRUE(r);
      seqs_.push_back(r->payload.value("seq", -1));
      uuids_.push_back(r->uuid());
    }
    ASSERT_TRUE(start_ui({}, &ui_));
    ASSERT_TRUE(ui_sees_ok(*ui_, "ctl.svc", 2));
  }
  std::string key(size_t i) const { return "ctl.svc #" + std::to_string(seqs_[i]); }
  json off_of(size_t i) const {
    return {
        {"action", "off"}, {"cluster", "ctl.svc"}, {"seqs", {seqs_[i]}}, {"expect", {uuids_[i]}}};
  }
  bool both_running() const {
    return process_of(*pods_[0]) == "running" && process_of(*pods_[1]) == "running";
  }
  // Until action id is finished; its record.
  json finished_action(uint64_t id) {
    json record;
    // -t (5 s) for the pod's answer, plus slack.
    EXPECT_TRUE(wait_until(
        [&] {
          record = ui_->get_json("/api/v1/actions/" + std::to_string(id));
          return record.is_object() && record.value("finished", 0.0) > 0;
        },
        10s, "action " + std::to_string(id) + " finished"))
        << record.dump();
    return record;
  }

  Pods pods_;
  std::vector<int> seqs_;
  std::vector<std::string> uuids_;
  UiProcess* ui_ = nullptr;
};

TEST_F(UiAccess, UiApiWithoutTheTokenIs401AndAForeignHostIs421) {
  const UiReply none = ui_->get("/api/v1/clusters", {});
  EXPECT_EQ(none.status, 401) << describe(none);
  EXPECT_TRUE(none.json().contains("error")) << none.body;

  const UiReply good = ui_->get("/api/v1/clusters");
  ASSERT_EQ(good.status, 200) << describe(good);
  EXPECT_TRUE(good.json().contains("ctl.svc")) << good.body;

  httplib::Headers evil = ui_bearer();
  evil.emplace("Host", "evil.example");
  const UiReply foreign = ui_->get("/api/v1/clusters", evil);
  EXPECT_EQ(foreign.status, 421) << describe(foreign);
  EXPECT_FALSE(contains(foreign.body, "ctl.svc")) << foreign.body;
  EXPECT_EQ(
      ui_get(ui_->port(), "/", {{"Host", "evil.example:" + std::to_string(ui_->port())}}).status,
      421);
  EXPECT_EQ(ui_->get("/api/v1/stream?view=overview", evil).status, 421);
  // A readiness probe names the pod's address, which no allow-list knows.
  EXPECT_EQ(ui_get(ui_->port(), "/healthz", {{"Host", "10.1.2.3:8090"}}).status, 200)
      << "/healthz answers whatever the Host";

  // Last: a wrong token makes this peer back off (1 s at first), during
  // which even the right one is refused.
  const UiReply wrong = ui_->get("/api/v1/clusters", ui_bearer("not-the-token"));
  EXPECT_EQ(wrong.status, 401) << describe(wrong);
  EXPECT_FALSE(contains(wrong.body, "ctl.svc")) << wrong.body;
  EXPECT_EQ(ui_->get("/api/v1/clusters", {{"Authorization", kUiToken}}).status, 401)
      << "the token without Bearer";
  EXPECT_TRUE(wait_until([&] { return ui_->get("/api/v1/clusters").status == 200; }, 2s + 2s,
                         "the right token answered 200 again once the backoff (1 s, 2 s) ended"));
}

TEST_F(UiAccess, UiActionsOnAReadOnlyUiAre403) {
  UiProcess* ro = nullptr;
  ASSERT_TRUE(start_ui({"--read-only"}, &ro));
  ASSERT_TRUE(ui_sees_ok(*ro, "ctl.svc", 2));
  const UiReply refused = ui_post_json(ro->port(), "/api/v1/actions", off_of(0));
  EXPECT_EQ(refused.status, 403) << describe(refused);
  EXPECT_EQ(ro->get("/api/v1/clusters").status, 200);
  EXPECT_TRUE(both_running());
  // The same call to the UI that may act is taken (the 403 was read-only's).
  const UiReply taken = ui_post_json(ui_->port(), "/api/v1/actions", off_of(0));
  ASSERT_EQ(taken.status, 202) << describe(taken);
  EXPECT_TRUE(finished_action(taken.json()["id"].get<uint64_t>())["pods"][0].value("ok", false));
}

TEST_F(UiAccess, UiActionsWhoseExpectIsNotTheRegisteredPodsAre409WithLeftAndJoined) {
  const std::string ghost = "0badc0de-0000-4000-8000-000000000000";
  json body = off_of(0);
  body["expect"].push_back(ghost);
  const UiReply extra = ui_post_json(ui_->port(), "/api/v1/actions", body);
  ASSERT_EQ(extra.status, 409) << describe(extra);
  EXPECT_EQ(extra.json()["left"], json::array({"ctl.svc (" + ghost.substr(0, 8) + ")"}))
      << extra.body;
  EXPECT_EQ(extra.json()["joined"], json::array()) << extra.body;

  // "all" with only the first pod confirmed: the second joined since.
  const UiReply missing = ui_post_json(
      ui_->port(), "/api/v1/actions",
      {{"action", "off"}, {"cluster", "ctl.svc"}, {"all", true}, {"expect", {uuids_[0]}}});
  ASSERT_EQ(missing.status, 409) << describe(missing);
  EXPECT_EQ(missing.json()["joined"], json::array({key(1)})) << missing.body;
  EXPECT_EQ(missing.json()["left"], json::array()) << missing.body;

  // A seq that is gone.
  const UiReply gone = ui_post_json(
      ui_->port(), "/api/v1/actions",
      {{"action", "off"}, {"cluster", "ctl.svc"}, {"seqs", {99999}}, {"expect", {uuids_[0]}}});
  ASSERT_EQ(gone.status, 409) << describe(gone);
  EXPECT_EQ(gone.json()["left"], json::array({"ctl.svc #99999"})) << gone.body;

  EXPECT_TRUE(both_running()) << "a 409 acts on nothing";
  const json actions = ui_->get_json("/api/v1/actions");
  EXPECT_EQ(actions["actions"], json::array()) << actions.dump();
}

TEST_F(UiAccess, UiAnOffActionIs202AndFinishesWithThePodStopped) {
  const UiReply started = ui_post_json(ui_->port(), "/api/v1/actions", off_of(0));
  ASSERT_EQ(started.status, 202) << describe(started);
  ASSERT_TRUE(started.json().contains("id")) << started.body;
  const uint64_t id = started.json()["id"].get<uint64_t>();

  const json record = finished_action(id);
  EXPECT_EQ(record["action"], "off") << record.dump();
  EXPECT_EQ(record["cluster"], "ctl.svc") << record.dump();
  ASSERT_EQ(record["pods"].size(), 1u) << record.dump();
  const json& pod = record["pods"][0];
  EXPECT_EQ(pod["key"], key(0)) << record.dump();
  EXPECT_EQ(pod["done"], true) << record.dump();
  EXPECT_EQ(pod["ok"], true) << record.dump();
  EXPECT_TRUE(contains(record.value("who", ""), "127.0.0.1")) << record.dump();

  const CliRun info = ops({"info", "-j", "ctl.svc"});
  ASSERT_EQ(info.code, 0) << describe(info);
  EXPECT_EQ(info.json()[key(0)]["info"]["process"], "stopped") << info.out;
  EXPECT_EQ(info.json()[key(1)]["info"]["process"], "running") << info.out;
  // The list has it too, and the timeline says so.
  const json all = ui_->get_json("/api/v1/actions");
  ASSERT_EQ(all["actions"].size(), 1u) << all.dump();
  EXPECT_EQ(all["actions"][0]["id"], id);
  EXPECT_TRUE(wait_until(
      [&] {
        const json events = ui_->get_json("/api/v1/events");
        if (!events.contains("events")) return false;
        for (const auto& e : events["events"]) {
          if (e.value("kind", "") == "action") return true;
        }
        return false;
      },
      2s, "an \"action\" event in /api/v1/events"));
}

TEST_F(UiAccess, UiAKillWithoutTheClustersNameIs400) {
  json kill = {
      {"action", "kill"}, {"cluster", "ctl.svc"}, {"seqs", {seqs_[0]}}, {"expect", {uuids_[0]}}};
  const UiReply bare = ui_post_json(ui_->port(), "/api/v1/actions", kill);
  EXPECT_EQ(bare.status, 400) << describe(bare);
  EXPECT_TRUE(contains(bare.json().value("error", ""), "ctl.svc")) << bare.body;
  kill["confirm"] = "svc";
  const UiReply wrong = ui_post_json(ui_->port(), "/api/v1/actions", kill);
  EXPECT_EQ(wrong.status, 400) << describe(wrong);
  EXPECT_TRUE(both_running());
  EXPECT_EQ(ui_->get_json("/api/v1/actions")["actions"], json::array());

  kill["confirm"] = "ctl.svc";
  const UiReply confirmed = ui_post_json(ui_->port(), "/api/v1/actions", kill);
  ASSERT_EQ(confirmed.status, 202) << describe(confirmed);
  const json record = finished_action(confirmed.json()["id"].get<uint64_t>());
  EXPECT_EQ(record["pods"][0]["ok"], true) << record.dump();
}

TEST_F(UiAccess, UiTheLoginCodeWorksOnceAndACookiePostWithoutTheCsrfTokenIs403) {
  const std::string login = "/login?code=" + ui_->code();
  const UiReply in = ui_get(ui_->port(), login);
  ASSERT_EQ(in.status, 303) << describe(in);
  EXPECT_EQ(in.header("Location"), "/");
  const std::string set_cookie = in.header("Set-Cookie");
  EXPECT_TRUE(contains(set_cookie, "HttpOnly")) << set_cookie;
  EXPECT_TRUE(contains(set_cookie, "SameSite=Strict")) << set_cookie;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(set_cookie, m, std::regex("(ochopod_ui=[^;]+)"))) << set_cookie;
  const std::string cookie = m[1].str();

  const UiReply again = ui_get(ui_->port(), login);
  EXPECT_EQ(again.status, 401) << "a second use of the code: " << describe(again);
  EXPECT_TRUE(again.header("Set-Cookie").empty());

  const UiReply page = ui_get(ui_->port(), "/", {{"Cookie", cookie}});
  ASSERT_EQ(page.status, 200) << describe(page);
  EXPECT_TRUE(contains(page.header("Content-Type"), "text/html")) << page.header("Content-Type");
  EXPECT_TRUE(contains(page.body, "ctl.svc")) << page.body;
  EXPECT_EQ(ui_get(ui_->port(), "/").status, 401) << "no cookie";
  EXPECT_EQ(ui_get(ui_->port(), "/", {{"Cookie", "ochopod_ui=forged"}}).status, 401);

  const std::string origin = "http://127.0.0.1:" + std::to_string(ui_->port());
  const std::string form =
      "action=off&cluster=ctl.svc&seq=" + std::to_string(seqs_[0]) + "&expect=" + uuids_[0];
  const httplib::Headers with_cookie = {{"Cookie", cookie}, {"Origin", origin}};
  const UiReply no_csrf =
      ui_post(ui_->port(), "/actions", form, "application/x-www-form-urlencoded", with_cookie);
  EXPECT_EQ(no_csrf.status, 403) << describe(no_csrf);
  const UiReply bad_csrf = ui_post(ui_->port(), "/actions", form + "&csrf=0123456789abcdef",
                                   "application/x-www-form-urlencoded", with_cookie);
  EXPECT_EQ(bad_csrf.status, 403) << describe(bad_csrf);
  const UiReply api_no_csrf =
      ui_post(ui_->port(), "/api/v1/actions", off_of(0).dump(), "application/json", with_cookie);
  EXPECT_EQ(api_no_csrf.status, 403)
      << "an API POST by cookie needs it too: " << describe(api_no_csrf);
  EXPECT_TRUE(both_running()) << "a refused POST acts on nothing";

  // With the session's token (the page's <meta name="csrf">) the same
  // cookie may post: logging out ends the session.
  ASSERT_TRUE(
      std::regex_search(page.body, m, std::regex(R"(<meta name="csrf" content="([^"]+)\">)")))
      << "no csrf meta in the page";
  const std::string csrf = m[1].str();
  const UiReply out = ui_post(ui_->port(), "/logout", "csrf=" + csrf,
                              "application/x-www-form-urlencoded", with_cookie);
  EXPECT_EQ(out.status, 303) << describe(out);
  EXPECT_EQ(ui_get(ui_->port(), "/", {{"Cookie", cookie}}).status, 401) << "logged out";

  // SIGTERM stops it cleanly.
  const auto status = ui_->stop();
  ASSERT_TRUE(status) << "`ochopod ui` did not exit within 10 s of SIGTERM";
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << describe_status(*status);
}

// --- pods serving HTTPS -----------------------------------------------------

TEST_F(UiTest, UiTlsPodsAreOkWithTheRightCaAndACertificateErrorWithAWrongOne) {
  TlsFiles tls, other;
  ASSERT_TRUE(tls.make());
  ASSERT_TRUE(other.make());
  const Pods pods = launch_pods(spec("secure")
                                    .with_option("--tls-cert=" + tls.cert())
                                    .with_option("--tls-key=" + tls.key())
                                    .with_option("--tls-ca=" + tls.ca()),
                                1);
  std::string key;
  ASSERT_TRUE(wait_until(
      [&] {
        const CliRun info = ops({"info", "--tls-ca=" + tls.ca(), "-j", "ctl.secure"});
        const json j = info.json();
        if (info.code != 0 || !j.is_object() || j.size() != 1) return false;
        key = j.begin().key();
        return j.begin()->value("info", json::object()).value("process", "") == "running";
      },
      30s, "the HTTPS pod running (ochopod info --tls-ca)"));

  UiProcess* trusting = nullptr;
  UiProcess* untrusting = nullptr;
  ASSERT_TRUE(start_ui({"--tls-ca=" + tls.ca()}, &trusting));
  ASSERT_TRUE(start_ui({"--tls-ca=" + other.ca()}, &untrusting));

  ASSERT_TRUE(ui_sees_ok(*trusting, "ctl.secure", 1));
  const json good = trusting->get_json("/api/v1/clusters/ctl.secure/pods");
  EXPECT_EQ(good[key]["info"]["process"], "running") << good.dump();
  EXPECT_EQ(trusting->get_json("/api/v1/clusters")["ctl.secure"]["running"], 1);

  json bad;
  ASSERT_TRUE(wait_until(
      [&] {
        bad = untrusting->get_json("/api/v1/clusters/ctl.secure/pods");
        return bad.is_object() && bad.contains(key) && bad[key].value("ok", true) == false &&
               !contains(bad[key].value("error", ""), "not asked yet");
      },
      10s, "the UI with a wrong CA showing the pod's failed call"))
      << bad.dump();
  EXPECT_TRUE(contains(bad[key].value("error", ""), "certificate verify failed")) << bad.dump();
  EXPECT_FALSE(bad[key].contains("info")) << bad.dump();
  EXPECT_EQ(untrusting->get_json("/api/v1/clusters")["ctl.secure"]["running"], 0);
}

}  // namespace
}  // namespace ochopod::test
