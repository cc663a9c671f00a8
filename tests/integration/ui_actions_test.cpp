// `ochopod ui`'s operator actions and what surrounds them (docs/ui.md), as a
// real process against a real ZooKeeper and real `ochopod run` pods, through
// the JSON API with the operators' Bearer token: a rolling restart that
// restarts every pod in turn, and one cancelled after its first pod that
// leaves the rest untouched; a signal reaching the child's trap; a tool's
// output in the action's record; the timeline's joined, left, process and
// action events and its ?since=; the log API shaped as `ochopod log -j -l`;
// and the action page right after a form's POST (200, never 404).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "harness/http.h"
#include "ui_fixture.h"

namespace ochopod::test {
namespace {

using nlohmann::json;

bool contains(const std::string& text, const std::string& what) {
  return text.find(what) != std::string::npos;
}

// A child that notes its life in ./life (the pod's working directory, so
// one file per pod): "start <ns> <pid>" once its TERM trap is set, and on
// SIGTERM "stop <ns> <pid>", then it takes $1 seconds to exit (0).
constexpr char kLifeScript[] =
    "delay=\"$1\"\n"
    "trap 'echo \"stop $(date +%s%N) $$\" >> life; sleep \"$delay\"; exit 0' TERM\n"
    "echo \"start $(date +%s%N) $$\" >> life\n"
    "while :; do sleep 0.05; done\n";

struct Life {
  std::vector<long long> starts;  // ns since the epoch, in order
  std::vector<long long> stops;
  std::vector<long long> pids;  // of each start
};

Life life_of(const PodProcess& pod) {
  Life out;
  std::istringstream in(read_text(pod.dir() + "/life"));
  std::string word;
  long long at = 0, pid = 0;
  while (in >> word >> at >> pid) {
    if (word == "start") {
      out.starts.push_back(at);
      out.pids.push_back(pid);
    } else if (word == "stop") {
      out.stops.push_back(at);
    }
  }
  return out;
}

std::string describe_life(const Life& life) {
  std::string out = "starts:";
  for (size_t i = 0; i < life.starts.size(); ++i) {
    out += " " + std::to_string(life.starts[i]) + " (pid " + std::to_string(life.pids[i]) + ")";
  }
  out += ", stops:";
  for (const auto at : life.stops) out += " " + std::to_string(at);
  return out;
}

// The value of an unlabelled series in the pod's GET /metrics; -1 if absent.
double metric_of(int port, const std::string& series) {
  const HttpReply reply = http_get(port, "/metrics", 2s);
  if (reply.status != 200) return -1;
  std::istringstream in(reply.body);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
  }
  return -1;
}

class UiActions : public UiLive {
 protected:
  // Launches n pods of ctl.<cluster>, waits until they run and are
  // registered, and notes their seqs and uuids (in the order of *pods).
  testing::AssertionResult launch(const PodSpec& pod_spec, const std::string& cluster, Pods* pods,
                                  int n) {
    if (auto up = launch_registered(pod_spec, cluster, pods, n); !up) return up;
    seqs_.clear();
    uuids_.clear();
    for (const auto& p : *pods) {
      const auto r = registration_of(zk.connect_string(), p->control_port(), "ctl." + cluster);
      if (!r) return testing::AssertionFailure() << "a pod of ctl." << cluster << " unregistered";
      seqs_.push_back(r->payload.value("seq", -1));
      uuids_.push_back(r->uuid());
    }
    return testing::AssertionSuccess();
  }

  // POST /api/v1/actions; the id of a 202 (0 with a failure otherwise).
  uint64_t post_action(const UiProcess& ui, const json& body) {
    const UiReply r = ui_post_json(ui.port(), "/api/v1/actions", body);
    EXPECT_EQ(r.status, 202) << describe(r) << "\nasked: " << body.dump();
    if (r.status != 202 || !r.json().contains("id")) return 0;
    return r.json()["id"].get<uint64_t>();
  }

  // Until action id is finished; its record.
  json finished_action(const UiProcess& ui, uint64_t id, std::chrono::milliseconds deadline) {
    json record;
    EXPECT_TRUE(wait_until(
        [&] {
          record = ui.get_json("/api/v1/actions/" + std::to_string(id));
          return record.is_object() && record.value("finished", 0.0) > 0;
        },
        deadline, "action " + std::to_string(id) + " finished"))
        << "last record: " << record.dump();
    return record;
  }

  // /api/v1/events?since=<since>'s events.
  json events_since(const UiProcess& ui, uint64_t since) {
    const json j = ui.get_json("/api/v1/events?since=" + std::to_string(since));
    return j.is_object() && j.contains("events") ? j["events"] : json::array();
  }

  // Until an event of kind (and of seq, unless -1) whose detail contains
  // `detail` is listed after `since`; that event.
  json await_event(const UiProcess& ui, uint64_t since, const std::string& kind, int seq,
                   const std::string& detail, std::chrono::milliseconds deadline) {
    json found, all;
    const bool ok = wait_until(
        [&] {
          all = events_since(ui, since);
          for (const auto& e : all) {
            if (e.value("kind", "") == kind && (seq == -1 || e.value("seq", -2) == seq) &&
                contains(e.value("detail", ""), detail)) {
              found = e;
              return true;
            }
          }
          return false;
        },
        deadline,
        "a \"" + kind + "\" event" + (seq == -1 ? "" : " of #" + std::to_string(seq)) +
            (detail.empty() ? "" : " saying \"" + detail + "\"") + " after event " +
            std::to_string(since));
    EXPECT_TRUE(ok) << "events: " << all.dump();
    return found;
  }

  PodSpec life_spec(const std::string& cluster, const std::string& stop_delay) {
    if (!std::filesystem::exists(scripts_.file("life.sh"))) {
      write_text(scripts_.file("life.sh"), kLifeScript);
    }
    return spec(cluster)
        .with_child({"/bin/sh", scripts_.file("life.sh"), stop_delay})
        .with_option("--grace=10");
  }

  // Until every pod's child noted exactly one start.
  testing::AssertionResult each_started_once(const Pods& pods) {
    return wait_until(
        [&] {
          for (const auto& p : pods) {
            if (life_of(*p).starts.size() != 1) return false;
          }
          return true;
        },
        10s, "every child noting its (one) start in its life file");
  }

  std::vector<int> seqs_;
  std::vector<std::string> uuids_;
  TempDir scripts_{"ochopod-ui-actions-"};
};

// The UI's -t (5 s): a pod gets it to answer each call, waited 1.25 times.
constexpr auto kCall = 6250ms;
// One pod of a rolling restart: off, on, then polled until running (at once
// here; the runner would give it 4 times -t).
constexpr auto kRollingStep = 2 * kCall + 2s;

// --- rolling restart ---------------------------------------------------------

TEST_F(UiActions, UiARollingRestartRestartsEveryPodInTurn) {
  Pods pods;
  // Each child takes kStop to exit after its SIGTERM: pods restarted at once
  // would note their stops within kStop of each other.
  const auto kStop = 300ms;
  ASSERT_TRUE(launch(life_spec("roll", "0.3"), "roll", &pods, 3));
  ASSERT_TRUE(each_started_once(pods));
  std::map<int, PodProcess*> by_seq;
  std::map<int, Life> before;
  for (size_t i = 0; i < pods.size(); ++i) {
    by_seq[seqs_[i]] = pods[i].get();
    before[seqs_[i]] = life_of(*pods[i]);
  }
  ASSERT_EQ(by_seq.size(), 3u);

  UiProcess* ui = nullptr;
  ASSERT_TRUE(start_ui({}, &ui));
  ASSERT_TRUE(ui_sees_ok(*ui, "ctl.roll", 3));

  const uint64_t id = post_action(
      *ui,
      {{"action", "rolling-restart"}, {"cluster", "ctl.roll"}, {"all", true}, {"expect", uuids_}});
  ASSERT_NE(id, 0u);
  const json record = finished_action(*ui, id, 3 * kRollingStep + 5s);
  EXPECT_EQ(record["action"], "rolling-restart") << record.dump();
  EXPECT_EQ(record["cancelled"], false) << record.dump();
  EXPECT_EQ(record["who"], "bearer@127.0.0.1") << record.dump();
  ASSERT_EQ(record["pods"].size(), 3u) << record.dump();
  std::vector<int> order;
  for (const auto& pod : record["pods"]) {
    EXPECT_EQ(pod["done"], true) << record.dump();
    EXPECT_EQ(pod["ok"], true) << record.dump();
    EXPECT_FALSE(pod.value("outcome", "").empty()) << record.dump();
    order.push_back(pod.value("seq", -1));
  }
  ASSERT_EQ(std::set<int>(order.begin(), order.end()).size(), 3u) << record.dump();

  // Each child stopped once and started again, as a new process (which
  // notes its start a moment after the pod started it).
  std::map<int, Life> after;
  for (const int seq : order) {
    ASSERT_TRUE(by_seq.count(seq)) << "#" << seq << " is not one of ours: " << record.dump();
    EXPECT_TRUE(wait_until([&] { return life_of(*by_seq[seq]).starts.size() >= 2; }, 2s,
                           "#" + std::to_string(seq) + "'s new child noting its start"));
    after[seq] = life_of(*by_seq[seq]);
    const Life& life = after[seq];
    ASSERT_EQ(life.starts.size(), 2u) << "#" << seq << " " << describe_life(life);
    ASSERT_EQ(life.stops.size(), 1u) << "#" << seq << " " << describe_life(life);
    EXPECT_NE(life.pids[1], before[seq].pids[0]) << "#" << seq << " " << describe_life(life);
    EXPECT_LE(life.starts[0], life.stops[0]) << "#" << seq << " " << describe_life(life);
    EXPECT_LE(life.stops[0], life.starts[1]) << "#" << seq << " " << describe_life(life);
  }
  // In turn, in the record's order: a pod is stopped only once the one
  // before it has exited (kStop after its stop was noted) and was started
  // again.
  const long long stop_ns = std::chrono::nanoseconds(kStop).count();
  for (size_t i = 1; i < order.size(); ++i) {
    const Life& previous = after[order[i - 1]];
    const Life& next = after[order[i]];
    EXPECT_GE(next.stops[0], previous.stops[0] + stop_ns)
        << "#" << order[i] << " stopped before #" << order[i - 1] << " was back\n#" << order[i - 1]
        << " " << describe_life(previous) << "\n#" << order[i] << " " << describe_life(next);
  }

  // And they all run: their /info, and `ochopod info -j`.
  EXPECT_TRUE(wait_until([&] { return all_running(pods); }, 5s, "every pod's /info running"));
  const CliRun info = ops({"info", "-j", "ctl.roll"});
  ASSERT_EQ(info.code, 0) << describe(info);
  const json pods_info = info.json();
  ASSERT_EQ(pods_info.size(), 3u) << info.out;
  for (const auto& [key, e] : pods_info.items()) {
    EXPECT_EQ(e["info"]["process"], "running") << key << ": " << info.out;
  }
}

TEST_F(UiActions, UiARollingRestartCancelledAfterItsFirstPodLeavesTheRestUntouched) {
  // Each child takes 1 s to stop: a pod's restart lasts over a second.
  Pods pods;
  ASSERT_TRUE(launch(life_spec("slow", "1"), "slow", &pods, 3));
  ASSERT_TRUE(each_started_once(pods));
  std::map<int, PodProcess*> by_seq;
  std::map<int, Life> before;
  std::map<int, double> starts_metric;
  for (size_t i = 0; i < pods.size(); ++i) {
    by_seq[seqs_[i]] = pods[i].get();
    before[seqs_[i]] = life_of(*pods[i]);
    starts_metric[seqs_[i]] = metric_of(pods[i]->control_port(), "ochopod_child_starts_total");
    EXPECT_EQ(starts_metric[seqs_[i]], 1) << "#" << seqs_[i] << "'s ochopod_child_starts_total";
  }

  UiProcess* ui = nullptr;
  ASSERT_TRUE(start_ui({}, &ui));
  ASSERT_TRUE(ui_sees_ok(*ui, "ctl.slow", 3));
  const uint64_t first_event = [&] {
    const json all = events_since(*ui, 0);
    return all.empty() ? uint64_t{0} : all.back().value("id", uint64_t{0});
  }();

  const uint64_t id = post_action(
      *ui,
      {{"action", "rolling-restart"}, {"cluster", "ctl.slow"}, {"all", true}, {"expect", uuids_}});
  ASSERT_NE(id, 0u);
  const std::string path = "/api/v1/actions/" + std::to_string(id);
  json progress;
  ASSERT_TRUE(wait_until(
      [&] {
        progress = ui->get_json(path);
        return progress.is_object() && progress.contains("pods") && !progress["pods"].empty() &&
               progress["pods"][0].value("done", false);
      },
      kRollingStep + 2s, "the rolling restart's first pod done"))
      << "last record: " << progress.dump();
  ASSERT_EQ(progress.value("finished", 0.0), 0.0) << "finished already: " << progress.dump();
  const UiReply cancel = ui_post_json(ui->port(), path + "/cancel", json::object());
  ASSERT_EQ(cancel.status, 200) << describe(cancel);
  EXPECT_EQ(cancel.json(), (json{{"cancelled", id}})) << cancel.body;

  // It stops before its next pod: at most the one under way finishes.
  const json record = finished_action(*ui, id, kRollingStep + 5s);
  EXPECT_EQ(record["cancelled"], true) << record.dump();
  ASSERT_EQ(record["pods"].size(), 3u) << record.dump();
  EXPECT_EQ(record["pods"][0]["ok"], true) << "the first pod restarted fine: " << record.dump();
  std::vector<int> done, untouched;
  for (const auto& pod : record["pods"]) {
    (pod.value("done", false) ? done : untouched).push_back(pod.value("seq", -1));
  }
  RecordProperty("rolling_cancel_pods_done", static_cast<int>(done.size()));
  std::cout << "[ui rolling cancel] " << done.size() << " of 3 pods restarted before it stopped\n";
  EXPECT_GE(done.size(), 1u) << record.dump();
  EXPECT_LT(done.size(), 3u) << "cancelled, yet every pod was restarted: " << record.dump();
  EXPECT_FALSE(untouched.empty()) << record.dump();

  for (const int seq : done) {
    ASSERT_TRUE(by_seq.count(seq)) << record.dump();
    EXPECT_TRUE(wait_until([&] { return life_of(*by_seq[seq]).starts.size() >= 2; }, 2s,
                           "#" + std::to_string(seq) + "'s new child noting its start"));
    const Life life = life_of(*by_seq[seq]);
    EXPECT_EQ(life.starts.size(), 2u) << "#" << seq << " was restarted: " << describe_life(life);
  }
  // The untouched pods' children never stopped: the same process, one start,
  // and their pods counted one start.
  for (const int seq : untouched) {
    ASSERT_TRUE(by_seq.count(seq)) << record.dump();
    const Life life = life_of(*by_seq[seq]);
    EXPECT_EQ(life.starts.size(), 1u) << "#" << seq << " " << describe_life(life);
    EXPECT_TRUE(life.stops.empty()) << "#" << seq << " " << describe_life(life);
    ASSERT_FALSE(life.pids.empty());
    EXPECT_EQ(life.pids[0], before[seq].pids[0]) << "#" << seq << " " << describe_life(life);
    EXPECT_EQ(metric_of(by_seq[seq]->control_port(), "ochopod_child_starts_total"),
              starts_metric[seq])
        << "#" << seq;
    EXPECT_EQ(process_of(*by_seq[seq]), "running") << "#" << seq;
  }
  const json outcome = await_event(*ui, first_event, "action", -1, "cancelled:", 2s);
  EXPECT_EQ(outcome.value("cluster", ""), "ctl.slow") << outcome.dump();
  size_t ok = 0;
  for (const auto& pod : record["pods"]) ok += pod.value("ok", false) ? 1 : 0;
  EXPECT_TRUE(
      contains(outcome.value("detail", ""), "cancelled: " + std::to_string(ok) + " of 3 ok"))
      << outcome.dump() << "\n"
      << record.dump();

  // A finished action cannot be cancelled again.
  const UiReply again = ui_post_json(ui->port(), path + "/cancel", json::object());
  EXPECT_EQ(again.status, 404) << describe(again);
}

// --- signal --------------------------------------------------------------------

TEST_F(UiActions, UiASignalReachesTheChildsTrapAndABodyThatIsNotAnObjectIs400) {
  TempDir dir("ochopod-ui-signal-");
  const std::string marker = dir.file("usr1");
  const std::string ready = dir.file("ready");
  Pods pods;
  ASSERT_TRUE(launch(spec("sig").with_child({"/bin/sh", "-c",
                                             "trap 'echo usr1 >> " + marker + "' USR1; : > " +
                                                 ready + "; while :; do sleep 0.05; done"}),
                     "sig", &pods, 1));
  ASSERT_TRUE(wait_until([&] { return std::filesystem::exists(ready); }, 10s,
                         "the child setting its USR1 trap"));
  UiProcess* ui = nullptr;
  ASSERT_TRUE(start_ui({}, &ui));
  ASSERT_TRUE(ui_sees_ok(*ui, "ctl.sig", 1));

  const std::string body = R"({"signal": "SIGUSR1"})";
  const uint64_t id = post_action(*ui, {{"action", "signal"},
                                        {"cluster", "ctl.sig"},
                                        {"seqs", {seqs_[0]}},
                                        {"expect", {uuids_[0]}},
                                        {"body", body}});
  ASSERT_NE(id, 0u);
  const json record = finished_action(*ui, id, kCall + 2s);
  EXPECT_EQ(record["action"], "signal") << record.dump();
  EXPECT_EQ(record["detail"], body) << record.dump();
  EXPECT_EQ(record["cancelled"], false) << record.dump();
  ASSERT_EQ(record["pods"].size(), 1u) << record.dump();
  EXPECT_EQ(record["pods"][0]["seq"], seqs_[0]) << record.dump();
  EXPECT_EQ(record["pods"][0]["done"], true) << record.dump();
  EXPECT_EQ(record["pods"][0]["ok"], true) << record.dump();
  EXPECT_EQ(record["pods"][0]["http"], 200) << record.dump();
  EXPECT_TRUE(wait_until([&] { return contains(read_text(marker), "usr1"); }, 2s,
                         "the child's USR1 trap writing its marker"));
  EXPECT_EQ(process_of(*pods[0]), "running") << "USR1 was trapped, the child goes on";

  for (const std::string bad : {"not json", "[1, 2]", "\"SIGUSR1\"", "42", ""}) {
    const UiReply refused = ui_post_json(ui->port(), "/api/v1/actions",
                                         {{"action", "signal"},
                                          {"cluster", "ctl.sig"},
                                          {"seqs", {seqs_[0]}},
                                          {"expect", {uuids_[0]}},
                                          {"body", bad}});
    EXPECT_EQ(refused.status, 400) << "body '" << bad << "': " << describe(refused);
    EXPECT_TRUE(contains(refused.json().value("error", ""), "JSON object")) << refused.body;
  }
  EXPECT_EQ(ui->get_json("/api/v1/actions")["actions"].size(), 1u)
      << "a 400 starts nothing: " << ui->get("/api/v1/actions").body;
  EXPECT_EQ(read_text(marker), "usr1\n") << "a refused signal reached the child";
}

// --- exec ----------------------------------------------------------------------

TEST_F(UiActions, UiAnExecPutsTheToolsStdoutInTheRecordPrefixedBySeq) {
  // `--tool <tag>=<command>` (docs/run.md): split on spaces, no shell, the
  // call's arguments appended; printf's format repeats for each.
  Pods pods;
  ASSERT_TRUE(launch(spec("tools").with_option("--tool=lines=printf %s\\n"), "tools", &pods, 2));
  UiProcess* ui = nullptr;
  ASSERT_TRUE(start_ui({}, &ui));
  ASSERT_TRUE(ui_sees_ok(*ui, "ctl.tools", 2));

  const UiReply no_tool = ui_post_json(
      ui->port(), "/api/v1/actions",
      {{"action", "exec"}, {"cluster", "ctl.tools"}, {"all", true}, {"expect", uuids_}});
  EXPECT_EQ(no_tool.status, 400) << describe(no_tool);

  const uint64_t id = post_action(*ui, {{"action", "exec"},
                                        {"cluster", "ctl.tools"},
                                        {"all", true},
                                        {"expect", uuids_},
                                        {"tool", "lines"},
                                        {"args", {"alpha", "beta"}}});
  ASSERT_NE(id, 0u);
  const json record = finished_action(*ui, id, kCall + 2s);
  EXPECT_EQ(record["action"], "exec") << record.dump();
  EXPECT_EQ(record["detail"], "lines alpha beta") << record.dump();
  ASSERT_EQ(record["pods"].size(), 2u) << record.dump();
  for (const auto& pod : record["pods"]) {
    EXPECT_EQ(pod["done"], true) << record.dump();
    EXPECT_EQ(pod["ok"], true) << record.dump();
    EXPECT_EQ(pod["http"], 200) << record.dump();
  }
  // Each pod's lines, in its order; the pods' blocks in any order.
  ASSERT_TRUE(record["output"].is_array()) << record.dump();
  std::map<int, std::vector<std::string>> by_seq;
  for (const auto& line : record["output"]) {
    ASSERT_TRUE(line.is_string()) << record.dump();
    std::smatch m;
    const std::string text = line.get<std::string>();
    ASSERT_TRUE(std::regex_match(text, m, std::regex("#([0-9]+) (.*)"))) << text;
    by_seq[std::stoi(m[1].str())].push_back(m[2].str());
  }
  const std::vector<std::string> expected = {"alpha", "beta"};
  ASSERT_EQ(by_seq.size(), 2u) << record.dump();
  for (const int seq : seqs_) EXPECT_EQ(by_seq[seq], expected) << "#" << seq << record.dump();
}

// --- the timeline ----------------------------------------------------------------

TEST_F(UiActions, UiTheTimelineListsJoinedLeftProcessAndActionEventsAndSinceFilters) {
  Pods pods;
  ASSERT_TRUE(launch(spec("tl"), "tl", &pods, 1));
  const int first_seq = seqs_[0];
  const std::string first_uuid = uuids_[0];
  // No page open: every pod in the slow tier, 15 s scaled to 1.5 s.
  UiProcess* ui = nullptr;
  ASSERT_TRUE(start_ui({"--refresh=0.1"}, &ui));
  ASSERT_TRUE(ui_sees_ok(*ui, "ctl.tl", 1));
  const auto tier = 1500ms;
  const auto deadline = 2 * tier + 3s;
  const json at_start = events_since(*ui, 0);
  const uint64_t mark = at_start.empty() ? 0 : at_start.back().value("id", uint64_t{0});

  // A pod joins.
  pods.push_back(std::make_unique<PodProcess>(spec("tl")));
  ASSERT_TRUE(wait_until([&] { return all_registered(zk.connect_string(), pods, "ctl.tl"); }, 20s,
                         "the second pod registered"));
  const auto second = registration_of(zk.connect_string(), pods[1]->control_port(), "ctl.tl");
  ASSERT_TRUE(second);
  const int second_seq = second->payload.value("seq", -1);
  const json joined = await_event(*ui, mark, "joined", second_seq, "", deadline);
  EXPECT_EQ(joined.value("cluster", ""), "ctl.tl") << joined.dump();
  EXPECT_EQ(joined.value("detail", "").rfind(second->uuid().substr(0, 8), 0), 0u)
      << "the detail starts with its uuid's first 8: " << joined.dump();
  EXPECT_GT(joined.value("at", 0.0), 0.0) << joined.dump();

  // `ochopod off` stops the first pod's child.
  ASSERT_TRUE(ui_sees_ok(*ui, "ctl.tl", 2, deadline));
  const CliRun off = ops({"off", "-i", std::to_string(first_seq), "ctl.tl"});
  ASSERT_EQ(off.code, 0) << describe(off);
  // "running -> stopped", or through "terminating" when a picture was taken
  // while the child was dying.
  const json process = await_event(*ui, mark, "process", first_seq, "-> stopped", deadline);
  EXPECT_EQ(process.value("cluster", ""), "ctl.tl") << process.dump();

  // An action: its start and its end, by the bearer.
  const uint64_t id = post_action(
      *ui,
      {{"action", "on"}, {"cluster", "ctl.tl"}, {"seqs", {first_seq}}, {"expect", {first_uuid}}});
  ASSERT_NE(id, 0u);
  const json record = finished_action(*ui, id, kCall + 2s);
  EXPECT_EQ(record["who"], "bearer@127.0.0.1") << record.dump();
  EXPECT_EQ(record["pods"][0]["ok"], true) << record.dump();
  const json asked = await_event(*ui, mark, "action", first_seq, "on by bearer@127.0.0.1", 2s);
  const json done = await_event(*ui, mark, "action", first_seq, "on done: 1 of 1 ok", 2s);
  EXPECT_LT(asked.value("id", uint64_t{0}), done.value("id", uint64_t{0}))
      << asked.dump() << " " << done.dump();
  await_event(*ui, mark, "process", first_seq, "stopped -> running", deadline);

  // The second pod leaves.
  ASSERT_TRUE(pods[1]->signal(SIGTERM));
  ASSERT_TRUE(pods[1]->wait_exit(20s)) << "the pod did not exit on SIGTERM";
  const json left = await_event(*ui, mark, "left", second_seq, "", deadline);
  EXPECT_EQ(left.value("detail", "").rfind(second->uuid().substr(0, 8), 0), 0u) << left.dump();
  EXPECT_LT(joined.value("id", uint64_t{0}), left.value("id", uint64_t{0}));

  // Ids grow; since=<id> lists only what came after.
  const json all = events_since(*ui, 0);
  ASSERT_FALSE(all.empty());
  for (size_t i = 1; i < all.size(); ++i) {
    EXPECT_LT(all[i - 1].value("id", uint64_t{0}), all[i].value("id", uint64_t{0})) << all.dump();
  }
  const uint64_t last = all.back().value("id", uint64_t{0});
  for (const auto& e : events_since(*ui, last)) {
    EXPECT_GT(e.value("id", uint64_t{0}), last) << e.dump();
  }
  const uint64_t later = post_action(
      *ui,
      {{"action", "off"}, {"cluster", "ctl.tl"}, {"seqs", {first_seq}}, {"expect", {first_uuid}}});
  ASSERT_NE(later, 0u);
  finished_action(*ui, later, kCall + 2s);
  await_event(*ui, last, "action", first_seq, "off done: 1 of 1 ok", 2s);
  const json newer = events_since(*ui, last);
  ASSERT_FALSE(newer.empty());
  for (const auto& e : newer) {
    EXPECT_GT(e.value("id", uint64_t{0}), last) << e.dump();
    EXPECT_NE(e.value("kind", ""), "joined") << "an old event again: " << newer.dump();
    EXPECT_NE(e.value("kind", ""), "left") << "an old event again: " << newer.dump();
  }
}

// --- the log API ---------------------------------------------------------------

TEST_F(UiActions, UiTheLogApiAnswersWhatOchopodLogJlPrints) {
  const std::string line = "ui-log-api-line-7f3a";
  Pods pods;
  ASSERT_TRUE(launch(spec("logs").with_option("--pipe").with_child(
                         {"/bin/sh", "-c", "echo " + line + "; exec sleep 3600"}),
                     "logs", &pods, 1));
  ASSERT_TRUE(wait_until([&] { return log_has(pods[0]->control_port(), line); }, 10s,
                         "the child's line in the pod's /log"));
  UiProcess* ui = nullptr;
  ASSERT_TRUE(start_ui({}, &ui));
  ASSERT_TRUE(ui_sees_ok(*ui, "ctl.logs", 1));
  const std::string seq = std::to_string(seqs_[0]);
  const std::string key = "ctl.logs #" + seq;

  const UiReply api = ui->get("/api/v1/pods/ctl.logs/" + seq + "/log");
  ASSERT_EQ(api.status, 200) << describe(api);
  EXPECT_TRUE(contains(api.header("Content-Type"), "application/json"))
      << api.header("Content-Type");
  const CliRun cli = ops({"log", "-j", "-l", "-i", seq, "ctl.logs"});
  ASSERT_EQ(cli.code, 0) << describe(cli);
  const json a = api.json();
  const json c = cli.json();
  ASSERT_TRUE(a.is_object()) << api.body;
  ASSERT_TRUE(c.is_object()) << cli.out;
  ASSERT_EQ(a.size(), 1u) << api.body;
  ASSERT_EQ(c.size(), 1u) << cli.out;
  ASSERT_TRUE(a.contains(key)) << api.body;
  ASSERT_TRUE(c.contains(key)) << cli.out;
  std::set<std::string> a_keys, c_keys;
  for (const auto& [k, v] : a[key].items()) a_keys.insert(k);
  for (const auto& [k, v] : c[key].items()) c_keys.insert(k);
  EXPECT_EQ(a_keys, c_keys) << api.body << "\n" << cli.out;
  EXPECT_EQ(a[key]["ok"], true) << api.body;
  EXPECT_EQ(a[key]["ok"], c[key]["ok"]);
  EXPECT_EQ(a[key]["http"], 200) << api.body;
  EXPECT_EQ(a[key]["http"], c[key]["http"]);
  ASSERT_TRUE(a[key]["log"].is_array()) << api.body;
  ASSERT_TRUE(c[key]["log"].is_array()) << cli.out;

  const auto has_line = [&](const json& log) {
    return std::any_of(log.begin(), log.end(), [&](const json& l) {
      return l.is_string() && contains(l.get<std::string>(), line);
    });
  };
  EXPECT_TRUE(has_line(a[key]["log"])) << api.body;
  EXPECT_TRUE(has_line(c[key]["log"])) << cli.out;
  // Read one after the other: the shorter is where the longer starts.
  const json& shorter =
      a[key]["log"].size() <= c[key]["log"].size() ? a[key]["log"] : c[key]["log"];
  const json& longer = &shorter == &a[key]["log"] ? c[key]["log"] : a[key]["log"];
  EXPECT_TRUE(std::equal(shorter.begin(), shorter.end(), longer.begin()))
      << "api: " << api.body << "\ncli: " << cli.out;

  EXPECT_EQ(ui->get("/api/v1/pods/ctl.logs/99999/log").status, 404);
  EXPECT_EQ(ui->get("/api/v1/pods/ctl.nope/" + seq + "/log").status, 404);
}

// --- the action page right after a form ------------------------------------------

TEST_F(UiActions, UiTheActionPageRightAfterAFormPostIs200NeverA404) {
  Pods pods;
  ASSERT_TRUE(launch(spec("form"), "form", &pods, 1));
  UiProcess* ui = nullptr;
  ASSERT_TRUE(start_ui({}, &ui));
  ASSERT_TRUE(ui_sees_ok(*ui, "ctl.form", 1));

  const UiReply in = ui_get(ui->port(), "/login?code=" + ui->code());
  ASSERT_EQ(in.status, 303) << describe(in);
  std::smatch m;
  const std::string set_cookie = in.header("Set-Cookie");
  ASSERT_TRUE(std::regex_search(set_cookie, m, std::regex("(ochopod_ui=[^;]+)"))) << set_cookie;
  const std::string cookie = m[1].str();
  const UiReply page = ui_get(ui->port(), "/c/ctl.form", {{"Cookie", cookie}});
  ASSERT_EQ(page.status, 200) << describe(page);
  ASSERT_TRUE(
      std::regex_search(page.body, m, std::regex(R"(<meta name="csrf" content="([^"]+)\">)")))
      << "no csrf meta in the page";
  const std::string csrf = m[1].str();
  const httplib::Headers session = {{"Cookie", cookie},
                                    {"Origin", "http://127.0.0.1:" + std::to_string(ui->port())}};

  // Several in a row: each a chance to catch the moment before the hub shows it.
  int pending_seen = 0;
  for (int round = 0; round < 5; ++round) {
    const std::string form = "action=on&cluster=ctl.form&seq=" + std::to_string(seqs_[0]) +
                             "&expect=" + uuids_[0] + "&csrf=" + csrf;
    const UiReply posted =
        ui_post(ui->port(), "/actions", form, "application/x-www-form-urlencoded", session);
    ASSERT_EQ(posted.status, 303) << describe(posted);
    const std::string location = posted.header("Location");
    ASSERT_TRUE(std::regex_match(location, m, std::regex("/actions/([0-9]+)"))) << location;
    const std::string id = m[1].str();

    const UiReply at_once = ui_get(ui->port(), location, {{"Cookie", cookie}});
    ASSERT_EQ(at_once.status, 200) << "right after the POST: " << describe(at_once);
    const bool pending = contains(at_once.body, "reloads by itself");
    if (pending) {
      ++pending_seen;
      EXPECT_TRUE(contains(at_once.body, "<meta http-equiv=\"refresh\"")) << at_once.body;
    }
    // Until it shows the action itself; every answer on the way a 200.
    UiReply shown;
    EXPECT_TRUE(wait_until(
        [&] {
          shown = ui_get(ui->port(), location, {{"Cookie", cookie}});
          EXPECT_EQ(shown.status, 200) << describe(shown);
          return shown.status == 200 && !contains(shown.body, "reloads by itself");
        },
        2s, "the action page of " + location))
        << describe(shown);
    EXPECT_TRUE(contains(shown.body, "Action " + id)) << shown.body;
    const json record = finished_action(*ui, std::stoull(id), kCall + 2s);
    EXPECT_EQ(record["action"], "on") << record.dump();
    EXPECT_TRUE(contains(record.value("who", ""), "127.0.0.1")) << record.dump();
  }
  RecordProperty("pending_pages_seen", pending_seen);
  std::cout << "[ui pending page] seen " << pending_seen << " time(s) of 5\n";
  // An id never given out is a 404.
  EXPECT_EQ(ui_get(ui->port(), "/actions/999999", {{"Cookie", cookie}}).status, 404);
}

}  // namespace
}  // namespace ochopod::test
