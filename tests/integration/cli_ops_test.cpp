// The operator subcommands of `ochopod` (ls, poll, info, log, port, grep, on,
// off, reset, kill, signal, exec) against a real ZooKeeper and real pods:
// every subcommand in table and -j form, cluster globs, -i, --force, -t, pods
// that do not answer, and the exit status.
#include <gtest/gtest.h>
#include <signal.h>

#include <set>

#include "cli_ops_fixture.h"
#include "harness/files.h"
#include "harness/ports.h"
#include "harness/temp_dir.h"

namespace ochopod::test {
namespace {

using nlohmann::json;

std::set<std::string> keys_of(const json& j) {
  std::set<std::string> out;
  if (j.is_object()) {
    for (const auto& [k, v] : j.items()) out.insert(k);
  }
  return out;
}

bool contains(const std::string& text, const std::string& what) {
  return text.find(what) != std::string::npos;
}

// --- read-only subcommands on a shared live setup ---------------------------

TEST_F(CliOps, LsCountsRunningAndTotalPodsAndShowsTheLeadersStatus) {
  const CliRun table = ops({"ls", "local.*"});
  ASSERT_EQ(table.code, 0) << describe(table);
  EXPECT_TRUE(contains(table.out, "CLUSTER")) << table.out;
  EXPECT_TRUE(contains(table.out, "local.web  2/2      all good")) << table.out;
  EXPECT_TRUE(contains(table.out, "local.db   1/1")) << table.out;

  const CliRun js = ops({"ls", "-j", "local.*"});
  ASSERT_EQ(js.code, 0) << describe(js);
  const json j = js.json();
  EXPECT_EQ(
      j, (json{{"local.web", {{"total", 2}, {"running", 2}, {"status", "all good"}}},
               {"local.db", {{"total", 1}, {"running", 1}, {"status", j["local.db"]["status"]}}}}))
      << js.out;
  EXPECT_TRUE(j["local.db"]["status"].is_string());
}

TEST_F(CliOps, GlobsMatchFullClusterNamesAndDefaultToEverything) {
  const CliRun web = ops({"ls", "-j", "*.web"});
  ASSERT_EQ(web.code, 0) << describe(web);
  EXPECT_EQ(keys_of(web.json()), (std::set<std::string>{"local.web"}));

  const CliRun all = ops({"ls", "-j"});  // default *
  ASSERT_EQ(all.code, 0) << describe(all);
  EXPECT_EQ(keys_of(all.json()), (std::set<std::string>{"local.db", "local.web"}));

  const CliRun db = ops({"info", "-j", "*.db"});
  ASSERT_EQ(db.code, 0) << describe(db);
  EXPECT_EQ(keys_of(db.json()), (std::set<std::string>{db_key()}));

  const CliRun both = ops({"info", "-j", "-c", "local.d?", "*.web"});
  ASSERT_EQ(both.code, 0) << describe(both);
  EXPECT_EQ(keys_of(both.json()), (std::set<std::string>{db_key(), web_key(0), web_key(1)}));

  const CliRun partial = ops({"ls", "-j", "web"});  // a glob must match the whole name
  EXPECT_EQ(partial.code, 0) << describe(partial);
  EXPECT_EQ(partial.json(), json::object());

  const CliRun none = ops({"info", "nope.*"});
  EXPECT_EQ(none.code, 1) << describe(none);
  EXPECT_TRUE(contains(none.err, "no pod matches")) << none.err;
}

TEST_F(CliOps, InfoShowsEveryPodsStateProcessStatusAndAddress) {
  const CliRun table = ops({"info", "local.*"});
  ASSERT_EQ(table.code, 0) << describe(table);
  for (const auto& h : {"POD", "STATE", "PROCESS", "STATUS", "ADDRESS"}) {
    EXPECT_TRUE(contains(table.out, h)) << table.out;
  }
  EXPECT_TRUE(contains(table.out, "all good")) << table.out;
  for (size_t i = 0; i < web_.size(); ++i) {
    EXPECT_TRUE(contains(table.out, web_key(i))) << table.out;
    EXPECT_TRUE(contains(table.out, "127.0.0.1:" + std::to_string(web_[i]->control_port())));
  }
  EXPECT_TRUE(contains(table.out, db_key())) << table.out;

  const CliRun js = ops({"info", "-j", "local.*"});
  ASSERT_EQ(js.code, 0) << describe(js);
  const json j = js.json();
  ASSERT_EQ(keys_of(j), (std::set<std::string>{db_key(), web_key(0), web_key(1)})) << js.out;
  int leaders = 0;
  for (const auto& [key, e] : j.items()) {
    EXPECT_EQ(e["ok"], true) << key;
    EXPECT_EQ(e["http"], 200) << key;
    EXPECT_EQ(e["info"]["process"], "running") << key;
    EXPECT_EQ(e["info"].size(), 12u) << "the /info object as the pod gave it: " << e;
    if (e["info"]["state"].get<std::string>().rfind("leader", 0) == 0) ++leaders;
  }
  EXPECT_EQ(leaders, 2) << "one leader per cluster";
}

TEST_F(CliOps, PollShowsEachPodsMetrics) {
  const CliRun table = ops({"poll", "local.web"});
  ASSERT_EQ(table.code, 0) << describe(table);
  EXPECT_TRUE(contains(table.out, "METRICS")) << table.out;
  EXPECT_TRUE(contains(table.out, web_key(0)) && contains(table.out, web_key(1))) << table.out;

  const CliRun js = ops({"poll", "-j", "local.web"});
  ASSERT_EQ(js.code, 0) << describe(js);
  const json j = js.json();
  ASSERT_EQ(keys_of(j), (std::set<std::string>{web_key(0), web_key(1)})) << js.out;
  for (size_t i = 0; i < web_.size(); ++i) {
    const auto info = pod_info(web_[i]->control_port());
    ASSERT_TRUE(info);
    EXPECT_EQ(j[web_key(i)]["ok"], true);
    EXPECT_TRUE(j[web_key(i)]["metrics"].is_object()) << js.out;
    EXPECT_EQ(j[web_key(i)]["metrics"], (*info)["metrics"]);
  }
}

TEST_F(CliOps, IndicesPickPodsBySeq) {
  const CliRun one = ops({"info", "-j", "-i", std::to_string(web_seq(1)), "local.web"});
  ASSERT_EQ(one.code, 0) << describe(one);
  EXPECT_EQ(keys_of(one.json()), (std::set<std::string>{web_key(1)}));

  const CliRun two =
      ops({"grep", "-j", "-i", std::to_string(web_seq(0)) + "," + std::to_string(web_seq(1)),
           "local.web"});
  ASSERT_EQ(two.code, 0) << describe(two);
  EXPECT_EQ(keys_of(two.json()), (std::set<std::string>{web_key(0), web_key(1)}));

  // A seq is a pod's index within its cluster: -i applies to every selected cluster.
  const CliRun across = ops({"grep", "-j", "-i", std::to_string(db_seq()), "local.*"});
  ASSERT_EQ(across.code, 0) << describe(across);
  std::set<std::string> expected = {db_key()};
  for (size_t i = 0; i < web_.size(); ++i) {
    if (web_seq(i) == db_seq()) expected.insert(web_key(i));
  }
  EXPECT_EQ(keys_of(across.json()), expected);

  const CliRun missing = ops({"info", "-i", "99999", "local.web"});
  EXPECT_EQ(missing.code, 1) << describe(missing);
  const CliRun bad = ops({"info", "-i", "x", "local.web"});
  EXPECT_EQ(bad.code, 2) << describe(bad);
}

TEST_F(CliOps, LogShowsTheLastLinesOrWithLongTheWholeLog) {
  const auto whole_log = http_post(web_[0]->control_port(), "/log").json();
  ASSERT_TRUE(whole_log.is_array());
  ASSERT_GT(whole_log.size(), 0u);

  const CliRun table = ops({"log", "-i", std::to_string(web_seq(0)), "local.web"});
  ASSERT_EQ(table.code, 0) << describe(table);
  EXPECT_EQ(table.out.rfind(web_key(0) + "\n", 0), 0u) << table.out;
  EXPECT_TRUE(contains(table.out, "\n  ")) << "indented log lines: " << table.out;

  const CliRun last = ops({"log", "-j", "local.web"});
  ASSERT_EQ(last.code, 0) << describe(last);
  const CliRun whole = ops({"log", "-j", "-l", "local.web"});
  ASSERT_EQ(whole.code, 0) << describe(whole);
  for (size_t i = 0; i < web_.size(); ++i) {
    const json short_log = last.json()[web_key(i)]["log"];
    const json long_log = whole.json()[web_key(i)]["log"];
    ASSERT_TRUE(short_log.is_array() && long_log.is_array()) << last.out << whole.out;
    EXPECT_GT(short_log.size(), 0u);
    EXPECT_LE(short_log.size(), 20u);
    EXPECT_GE(long_log.size(), short_log.size());
  }
  if (whole_log.size() > 20) {
    EXPECT_EQ(last.json()[web_key(0)]["log"].size(), 20u);
    EXPECT_GT(whole.json()[web_key(0)]["log"].size(), 20u);
  }
  // The whole log holds what the pod logged when it started.
  EXPECT_EQ(whole.json()[web_key(0)]["log"][0], whole_log[0]);
}

TEST_F(CliOps, PortGivesWhereAContainerPortIsReachableOnEachPod) {
  const CliRun table = ops({"port", "8080", "local.web"});
  ASSERT_EQ(table.code, 0) << describe(table);
  EXPECT_TRUE(contains(table.out, "ADDRESS")) << table.out;
  for (size_t i = 0; i < web_.size(); ++i) {
    EXPECT_TRUE(contains(table.out, "127.0.0.1:" + std::to_string(web_[i]->control_port())))
        << table.out;
  }

  const CliRun js = ops({"port", "-j", "8080", "local.*"});
  ASSERT_EQ(js.code, 0) << describe(js);
  const json j = js.json();
  ASSERT_EQ(keys_of(j).size(), 3u) << js.out;
  EXPECT_EQ(j[web_key(0)]["port"], web_[0]->control_port());
  EXPECT_EQ(j[web_key(1)]["port"], web_[1]->control_port());
  EXPECT_EQ(j[db_key()]["port"], db_[0]->control_port());
  EXPECT_EQ(j[db_key()]["address"], "127.0.0.1:" + std::to_string(db_[0]->control_port()));

  const CliRun unexposed = ops({"port", "-j", "9999", "local.db"});
  EXPECT_EQ(unexposed.code, 1) << describe(unexposed);
  EXPECT_EQ(unexposed.json()[db_key()]["ok"], false);
  EXPECT_TRUE(contains(unexposed.json()[db_key()]["error"].get<std::string>(), "9999"));

  EXPECT_EQ(ops({"port"}).code, 2);
  EXPECT_EQ(ops({"port", "http"}).code, 2);
  EXPECT_EQ(ops({"port", "70000"}).code, 2);
}

TEST_F(CliOps, GrepGivesThePodsAddresses) {
  const CliRun table = ops({"grep", "local.*"});
  ASSERT_EQ(table.code, 0) << describe(table);
  for (const auto* pods : {&web_, &db_}) {
    for (const auto& p : *pods) {
      EXPECT_TRUE(contains(table.out, "127.0.0.1:" + std::to_string(p->control_port())))
          << table.out;
    }
  }
  EXPECT_TRUE(contains(table.out, "8080->" + std::to_string(db_[0]->control_port()))) << table.out;

  const CliRun js = ops({"grep", "-j", "local.db"});
  ASSERT_EQ(js.code, 0) << describe(js);
  const json e = js.json()[db_key()];  // a copy
  EXPECT_EQ(e["ok"], true);
  EXPECT_EQ(e["ip"], "127.0.0.1");
  EXPECT_EQ(e["node"], "local");
  EXPECT_EQ(e["address"], "127.0.0.1:" + std::to_string(db_[0]->control_port()));
  EXPECT_EQ(e["ports"]["8080"], db_[0]->control_port());
  EXPECT_FALSE(e.contains("http")) << "grep reads ZooKeeper only";
}

TEST_F(CliOps, ExecOnPodsWithoutToolsIsA404AndAFailure) {
  const CliRun table = ops({"exec", "-c", "local.web", "echo", "foo"});
  EXPECT_EQ(table.code, 1) << describe(table);
  EXPECT_TRUE(contains(table.out, web_key(0) + "  HTTP 404 (no such tool)")) << table.out;
  EXPECT_TRUE(contains(table.out, web_key(1) + "  HTTP 404 (no such tool)")) << table.out;

  TempDir dir;
  write_text(dir.file("input.txt"), "some data\n");
  const CliRun js = ops({"exec", "-j", "-c", "local.d*", "-i", std::to_string(db_seq()), "cat",
                         "input.txt", "-f", dir.file("input.txt")});
  EXPECT_EQ(js.code, 1) << describe(js);
  EXPECT_EQ(
      js.json(),
      (json{{db_key(), {{"ok", false}, {"http", 404}, {"error", "HTTP 404 (no such tool)"}}}}))
      << js.out;

  // An upload over the pod's body cap is refused: a failure, not a crash.
  write_text(dir.file("big.bin"), std::string(3 << 20, 'x'));
  const CliRun big = ops({"exec", "-j", "-c", "local.db", "-f", dir.file("big.bin"), "cat"});
  EXPECT_EQ(big.code, 1) << describe(big);
  EXPECT_EQ(big.json()[db_key()]["ok"], false) << big.out;

  // Tool arguments that look like options go after --.
  const CliRun dashed = ops({"exec", "-c", "local.db", "echo", "-n", "x"});
  EXPECT_EQ(dashed.code, 2) << describe(dashed);
  EXPECT_TRUE(contains(dashed.err, "after --")) << dashed.err;
  const CliRun after = ops({"exec", "-j", "-c", "local.db", "--", "echo", "-n", "x"});
  EXPECT_EQ(after.code, 1) << describe(after);
  EXPECT_EQ(after.json()[db_key()]["http"], 404);

  EXPECT_EQ(ops({"exec", "-c", "local.db"}).code, 2) << "no tool";
  const CliRun unreadable = ops({"exec", "-c", "local.db", "-f", dir.file("nope"), "cat"});
  EXPECT_EQ(unreadable.code, 2) << describe(unreadable);
  EXPECT_TRUE(contains(unreadable.err, "cannot read")) << unreadable.err;
}

TEST_F(CliOps, UsageErrorsExitTwoWithOneLineAndHelpIsEverywhere) {
  for (const std::string command : {"on", "off", "restart", "reset", "kill", "signal"}) {
    const CliRun r = ops({command, "local.web"});
    EXPECT_EQ(r.code, 2) << command << ": " << describe(r);
    EXPECT_TRUE(contains(r.err, "--force")) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
  }
  for (const auto& args : std::vector<std::vector<std::string>>{{"ls", "--bogus"},
                                                                {"ls", "-t", "0"},
                                                                {"ls", "-t", "soon"},
                                                                {"info", "-t"},
                                                                {"ls", "--force"},
                                                                {"log", "-f", "x"},
                                                                {"signal", "--force", "{not json"},
                                                                {"ls", "--json=yes"}}) {
    const CliRun r = ops(args);
    EXPECT_EQ(r.code, 2) << args[0] << " " << args[1] << ": " << describe(r);
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
  for (const std::string command : {"ls", "poll", "info", "log", "port", "grep", "on", "off",
                                    "restart", "kill", "signal", "exec"}) {
    const CliRun r = run_cli({OCHOPOD_BIN, command, "--help"});
    EXPECT_EQ(r.code, 0) << command << ": " << describe(r);
    EXPECT_EQ(r.out.rfind("usage: ochopod " + command, 0), 0u) << r.out;
    EXPECT_TRUE(contains(r.out, "-j, --json")) << r.out;
  }
  const CliRun alias = run_cli({OCHOPOD_BIN, "reset", "--help"});
  EXPECT_EQ(alias.code, 0) << describe(alias);
  EXPECT_EQ(alias.out.rfind("usage: ochopod restart", 0), 0u) << "reset is restart's alias";
  const CliRun top = run_cli({OCHOPOD_BIN, "--help"});
  EXPECT_EQ(top.code, 0);
  EXPECT_TRUE(contains(top.out, "  signal") && contains(top.out, "  run")) << top.out;

  // ZooKeeper from the environment, or nowhere.
  const CliRun from_env = run_cli({"/usr/bin/env", "OCHOPOD_ZK=" + zk(), OCHOPOD_BIN, "ls", "-j"});
  EXPECT_EQ(from_env.code, 0) << describe(from_env);
  EXPECT_EQ(keys_of(from_env.json()), (std::set<std::string>{"local.db", "local.web"}));
  const CliRun nowhere = run_cli({"/usr/bin/env", "-u", "OCHOPOD_ZK", OCHOPOD_BIN, "ls"});
  EXPECT_EQ(nowhere.code, 2) << describe(nowhere);
  EXPECT_TRUE(contains(nowhere.err, "OCHOPOD_ZK")) << nowhere.err;
}

// --- subcommands that change pods, and pods that do not answer -------------

TEST_F(CliOpsLive, OffStopsOnStartsAndResetCyclesThePickedPods) {
  Pods pods;
  ASSERT_TRUE(launch_registered(spec("svc"), "svc", &pods));
  int seq0 = 0;
  const std::string key0 = key_of(*pods[0], "svc", &seq0);

  const CliRun off = ops({"off", "-i", std::to_string(seq0), "ctl.*"});
  ASSERT_EQ(off.code, 0) << describe(off);
  EXPECT_TRUE(contains(off.out, key0 + "  done")) << off.out;
  EXPECT_EQ(process_of(*pods[0]), "stopped");
  EXPECT_EQ(process_of(*pods[1]), "running") << "-i picks one pod only";

  const CliRun info = ops({"info", "-j", "ctl.svc"});
  ASSERT_EQ(info.code, 0) << describe(info);
  EXPECT_EQ(info.json()[key0]["info"]["process"], "stopped") << info.out;
  const CliRun ls = ops({"ls", "-j", "ctl.svc"});
  EXPECT_EQ(ls.json()["ctl.svc"]["running"], 1) << ls.out;
  EXPECT_EQ(ls.json()["ctl.svc"]["total"], 2) << ls.out;

  const CliRun on = ops({"on", "-j", "-i", std::to_string(seq0), "ctl.svc"});
  ASSERT_EQ(on.code, 0) << describe(on);
  EXPECT_EQ(on.json(), (json{{key0, {{"ok", true}, {"http", 200}, {"reply", json::object()}}}}))
      << on.out;
  EXPECT_EQ(process_of(*pods[0]), "running");
  const CliRun info_on = ops({"info", "ctl.svc"});
  EXPECT_TRUE(contains(info_on.out, "running")) << info_on.out;
  EXPECT_FALSE(contains(info_on.out, "stopped")) << info_on.out;

  const CliRun reset = ops({"restart", "--force", "-j", "ctl.svc"});
  ASSERT_EQ(reset.code, 0) << describe(reset);
  const json reset_json = reset.json();
  EXPECT_EQ(keys_of(reset_json).size(), 2u) << reset.out;
  for (const auto& [key, e] : reset_json.items()) EXPECT_EQ(e["ok"], true) << key;
  EXPECT_TRUE(all_running(pods));
  // `reset` is restart's old name, kept as an alias.
  const CliRun reset_table = ops({"reset", "--force", "ctl.svc"});
  ASSERT_EQ(reset_table.code, 0) << describe(reset_table);
  EXPECT_TRUE(contains(reset_table.out, "RESULT")) << reset_table.out;

  const CliRun all_off = ops({"off", "--force", "-j", "ctl.svc"});
  ASSERT_EQ(all_off.code, 0) << describe(all_off);
  EXPECT_EQ(process_of(*pods[0]), "stopped");
  EXPECT_EQ(process_of(*pods[1]), "stopped");
  const CliRun all_on = ops({"on", "--force", "ctl.svc"});
  ASSERT_EQ(all_on.code, 0) << describe(all_on);
  EXPECT_TRUE(all_running(pods));
}

TEST_F(CliOpsLive, SignalSendsItsJsonAndKillLeavesThePodDead) {
  Pods pods;
  ASSERT_TRUE(launch_registered(spec("svc"), "svc", &pods));
  int seq1 = 0;
  const std::string key1 = key_of(*pods[1], "svc", &seq1);

  const CliRun signal = ops({"signal", "-j", "-i", std::to_string(seq1), R"({"reload": true})"});
  ASSERT_EQ(signal.code, 0) << describe(signal);
  EXPECT_EQ(signal.json()[key1]["http"], 200) << signal.out;
  EXPECT_TRUE(signal.json()[key1]["reply"].is_object()) << signal.out;
  const CliRun signal_all = ops({"signal", "--force", "ctl.svc"});
  ASSERT_EQ(signal_all.code, 0) << describe(signal_all);
  EXPECT_EQ(std::count(signal_all.out.begin(), signal_all.out.end(), '\n'), 3) << signal_all.out;

  const CliRun kill = ops({"kill", "-i", std::to_string(seq1), "ctl.svc"});
  ASSERT_EQ(kill.code, 0) << describe(kill);
  EXPECT_EQ(process_of(*pods[1]), "dead");
  const CliRun info = ops({"info", "-j", "-i", std::to_string(seq1)});
  EXPECT_EQ(info.json()[key1]["info"]["process"], "dead") << info.out;

  // A dead pod refuses everything: the table says so and the exit is 1.
  const CliRun on = ops({"on", "-i", std::to_string(seq1)});
  EXPECT_EQ(on.code, 1) << describe(on);
  EXPECT_TRUE(contains(on.out, key1 + "  HTTP 410 (dead)")) << on.out;
  EXPECT_EQ(process_of(*pods[0]), "running") << "the other pod was not touched";
}

TEST_F(CliOpsLive, ExecRunsAToolOnEveryPodWithUploads) {
  TempDir dir;
  const std::string notes = dir.file("notes.txt");
  write_text(notes, "first\nsecond\n");
  auto pods = launch_pods(spec("tools").with_option("--tool=cat=cat"), 2);
  ASSERT_TRUE(wait_until([&] { return all_running(pods); }, 20s, "ctl.tools running"));
  const CliRun table = ops({"exec", "-c", "ctl.tools", "-f", notes, "cat", "notes.txt"});
  ASSERT_EQ(table.code, 0) << describe(table);
  EXPECT_TRUE(contains(table.out, "second")) << table.out;
  const CliRun js = ops({"exec", "-j", "-c", "ctl.tools", "-f", notes, "cat", "notes.txt"});
  ASSERT_EQ(js.code, 0) << describe(js);
  const nlohmann::json answers = js.json();
  ASSERT_EQ(answers.size(), 2u) << js.out;
  for (const auto& [pod, answer] : answers.items()) {
    EXPECT_EQ(answer["code"], 0) << pod;
    EXPECT_EQ(answer["stdout"], nlohmann::json({"first", "second"})) << pod;
  }
  const CliRun missing = ops({"exec", "-c", "ctl.tools", "cat", "nowhere.txt"});
  EXPECT_EQ(missing.code, 1) << "a tool exiting non-zero is a failure: " << describe(missing);
}

TEST_F(CliOpsLive, APodThatDoesNotAnswerShowsAsSuchWithinTheTimeout) {
  // A long session, so the stopped pod stays registered.
  Pods pods;
  ASSERT_TRUE(launch_registered(spec("mute").with_session_timeout("30"), "mute", &pods));
  const std::string zk_at = zk.connect_string();
  const std::string key0 = "ctl.mute #" + std::to_string(seq_of(zk_at, *pods[0], "ctl.mute"));
  const std::string key1 = "ctl.mute #" + std::to_string(seq_of(zk_at, *pods[1], "ctl.mute"));

  ASSERT_TRUE(pods[1]->signal(SIGSTOP));
  struct Resume {
    PodProcess& pod;
    ~Resume() { pod.signal(SIGCONT); }
  } resume{*pods[1]};

  const CliRun info = ops({"info", "-t", "1", "ctl.mute"});
  EXPECT_EQ(info.code, 1) << describe(info);
  EXPECT_TRUE(contains(info.out, key1 + "  no answer")) << info.out;
  EXPECT_TRUE(contains(info.out, key0 + "  ")) << info.out;
  EXPECT_LT(info.took, 6s) << "-t 1 bounds the wait";

  const CliRun js = ops({"info", "-j", "-t", "1", "ctl.mute"});
  EXPECT_EQ(js.code, 1) << describe(js);
  EXPECT_EQ(js.json()[key0]["ok"], true) << js.out;
  EXPECT_EQ(js.json()[key1]["ok"], false) << js.out;
  EXPECT_FALSE(js.json()[key1].contains("http")) << js.out;
  EXPECT_EQ(js.json()[key1]["error"].get<std::string>().rfind("no answer", 0), 0u) << js.out;

  const CliRun ls = ops({"ls", "-t", "1", "ctl.mute"});
  EXPECT_EQ(ls.code, 1) << describe(ls);
  EXPECT_TRUE(contains(ls.out, "1/2 (1 no answer)")) << ls.out;
  const CliRun ls_json = ops({"ls", "-j", "-t", "1", "ctl.mute"});
  EXPECT_EQ(ls_json.code, 1) << describe(ls_json);
  EXPECT_EQ(ls_json.json()["ctl.mute"]["total"], 2) << ls_json.out;
  EXPECT_EQ(ls_json.json()["ctl.mute"]["running"], 1) << ls_json.out;

  const CliRun off = ops({"off", "-t", "1", "-j", "--force", "ctl.mute"});
  EXPECT_EQ(off.code, 1) << describe(off);
  EXPECT_EQ(off.json()[key0]["ok"], true) << off.out;
  EXPECT_EQ(off.json()[key1]["ok"], false) << off.out;
  EXPECT_LT(off.took, 6s);
}

TEST_F(CliOpsLive, ForeignAndBrokenRegistrationsAreSkippedOrReportedNeverFatal) {
  const std::string zk_at = zk.connect_string();
  const std::string pods_path = "/ochopod/clusters/ctl.odd/pods/";
  // Being registered (empty), garbage, not an object: skipped.
  ASSERT_TRUE(
      kazoo_create(zk_at, pods_path + "aaaaaaaa-0000-0000-0000-000000000001.0000000001", ""));
  ASSERT_TRUE(
      kazoo_set(zk_at, pods_path + "aaaaaaaa-0000-0000-0000-000000000002.0000000002", "{oops"));
  ASSERT_TRUE(
      kazoo_set(zk_at, pods_path + "aaaaaaaa-0000-0000-0000-000000000003.0000000003", "[1]"));
  // A pod whose control port is closed: reported, fast.
  const int closed = free_port();
  const json fake = {{"cluster", "odd"},      {"namespace", "ctl"}, {"ip", "127.0.0.1"},
                     {"public", "127.0.0.1"}, {"port", "8080"},     {"ports", {{"8080", closed}}},
                     {"node", "local"},       {"seq", 7},           {"future_key", {1, 2}}};
  ASSERT_TRUE(
      kazoo_set(zk_at, pods_path + "aaaaaaaa-0000-0000-0000-000000000004.0000000004", fake.dump()));
  // A pod without a control port in its registration: reported.
  ASSERT_TRUE(kazoo_set(zk_at, pods_path + "aaaaaaaa-0000-0000-0000-000000000005.0000000005",
                        json{{"ip", "127.0.0.1"}, {"port", "8080"}, {"seq", 8}}.dump()));

  const CliRun js = ops({"info", "-j", "ctl.odd"});
  EXPECT_EQ(js.code, 1) << describe(js);
  const json j = js.json();
  EXPECT_EQ(keys_of(j), (std::set<std::string>{"ctl.odd #7", "ctl.odd #8"})) << js.out;
  EXPECT_EQ(j["ctl.odd #7"]["error"], "no answer (connection refused)") << js.out;
  EXPECT_EQ(j["ctl.odd #8"]["error"], "control port not in its registration") << js.out;

  const CliRun ls = ops({"ls", "ctl.odd"});
  EXPECT_EQ(ls.code, 1) << describe(ls);
  EXPECT_TRUE(contains(ls.out, "0/2 (2 no answer)")) << ls.out;

  const CliRun port = ops({"port", "-j", "8080", "ctl.odd"});
  EXPECT_EQ(port.code, 1) << describe(port);
  EXPECT_EQ(port.json()["ctl.odd #7"]["port"], closed) << port.out;
  EXPECT_EQ(port.json()["ctl.odd #8"]["ok"], false) << port.out;

  // A ZooKeeper nobody serves: exit 1, one line, in bounded time.
  const CliRun away = ochopod_ops("127.0.0.1:" + std::to_string(free_port()), {"ls"});
  EXPECT_EQ(away.code, 1) << describe(away);
  EXPECT_TRUE(contains(away.err, "cannot reach ZooKeeper")) << away.err;
  EXPECT_LT(away.took, 15s);
}

}  // namespace
}  // namespace ochopod::test
