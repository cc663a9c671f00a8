// `ochopod run --template` (issue 13): files rendered from the configuration
// at every `on`, and running children reloaded in place (--on-change,
// --reload-signal) rather than restarted when a re-render changed them. Real
// pods on a real ZooKeeper; a template error seen on the wire from a solo pod.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "harness/cluster_probe.h"
#include "harness/files.h"
#include "harness/ports.h"
#include "harness/proc_tree.h"
#include "harness/temp_dir.h"
#include "harness/zk_fixture.h"

namespace ochopod::test {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

constexpr auto kFormation = 15s;

// One line per pod: what a peers list of a real service would hold.
constexpr char kPeers[] =
    "# {{size}} pods\n"
    "{{#pods}}\n"
    "{{ip}}:{{#ports}}{{host}}{{/ports}}\n"
    "{{/pods}}\n";

// Records its pid (once its trap is set), then waits; a HUP is counted.
const char kChild[] =
    "trap 'echo hup >> \"$TEST_OUT/$PORT_8080.hups\"' HUP; "
    "echo $$ > \"$TEST_OUT/$PORT_8080.pid\"; "
    "while :; do sleep 3600 & wait $!; done";

class RunTemplates : public ZkTest {
 protected:
  void SetUp() override {
    ZkTest::SetUp();
    tmpl = out.file("peers.conf.tmpl");
    write_text(tmpl, kPeers);
    ASSERT_EQ(::chmod(tmpl.c_str(), 0640), 0);
  }
  // A pod of cluster "tpl" rendering its peers into <port>.peers.conf.
  PodSpec spec(int port, const std::string& reload_option) const {
    return PodSpec(zk.connect_string())
        .with_cluster("tpl")
        .with_control_port(port)
        .with_option("--damper=0.5")
        .with_option("--control-timeout=10")
        .with_option("--template=" + tmpl + ":" + peers_file(port))
        .with_option(reload_option)
        .with_child({"/bin/sh", "-c", kChild})
        .with_env("TEST_OUT", out.path().string());
  }
  std::string peers_file(int port) const { return out.file(std::to_string(port) + ".peers.conf"); }
  std::string file_of(int port, const std::string& what) const {
    return out.file(std::to_string(port) + "." + what);
  }
  // The peers a pod's file lists ("127.0.0.1:<port>"), or empty if it lacks its header.
  std::set<std::string> peers(int port) const {
    std::istringstream in(read_text(peers_file(port)));
    std::set<std::string> lines;
    std::string line;
    if (!std::getline(in, line) || !line.starts_with("# ")) return lines;
    while (std::getline(in, line)) lines.insert(line);
    return lines;
  }
  static std::set<std::string> expected(const std::vector<int>& ports) {
    std::set<std::string> lines;
    for (int p : ports) lines.insert("127.0.0.1:" + std::to_string(p));
    return lines;
  }
  bool every_file_lists(const std::vector<int>& ports) const {
    for (int p : ports)
      if (peers(p) != expected(ports)) return false;
    return true;
  }
  int lines_in(int port, const std::string& what) const {
    const std::string text = read_text(file_of(port, what));
    return static_cast<int>(std::count(text.begin(), text.end(), '\n'));
  }
  std::string child_pid(int port) const {
    std::ifstream in(file_of(port, "pid"));
    std::string pid;
    in >> pid;
    return pid;
  }
  // Every child runs under its pod with its pid recorded, and no round is under way.
  bool settled(const Pods& pods) const {
    for (const auto& p : pods) {
      const std::string pid = child_pid(p->control_port());
      if (pid.empty() || parent_of(std::stoi(pid)) != p->pid()) return false;
    }
    PodProcess* leader = leader_of(pods);
    return leader && state_of(leader->control_port()) == "leader";
  }

  // Three pods form; a fourth joins: every file is re-rendered, and each of
  // the three running children is reloaded exactly once (`what` counts it)
  // and none is restarted.
  void fourth_pod_reloads_every_child_once(const std::string& reload_option,
                                           const std::string& what) {
    std::vector<int> ports = free_ports(4);
    const int fourth = ports.back();
    ports.pop_back();
    Pods pods;
    for (int p : ports) pods.push_back(std::make_unique<PodProcess>(spec(p, reload_option)));
    ASSERT_TRUE(wait_until([&] { return every_file_lists(ports) && settled(pods); }, kFormation,
                           "3 pods configured, each file listing all 3"));
    // Formation may have taken several rounds (and reloads): count from here.
    std::map<int, int> before;
    std::map<int, std::string> pids;
    for (int p : ports) {
      before[p] = lines_in(p, what);
      pids[p] = child_pid(p);
    }
    pods.push_back(std::make_unique<PodProcess>(spec(fourth, reload_option)));
    ports.push_back(fourth);
    auto reloaded_once = [&] {
      for (const auto& [port, n] : before)
        if (lines_in(port, what) != n + 1) return false;
      return true;
    };
    ASSERT_TRUE(wait_until([&] { return every_file_lists(ports) && reloaded_once(); }, kFormation,
                           "all 4 files listing 4 pods and each old child reloaded once"));
    EXPECT_TRUE(stays_false([&] { return !reloaded_once(); }, 1500ms,
                            "a second reload without any change"));
    for (const auto& [port, pid] : pids)
      EXPECT_EQ(child_pid(port), pid) << "the child of " << port << " was restarted";
    EXPECT_TRUE(settled(pods)) << "a child is not its pod's, or a round is still under way";
    EXPECT_EQ(lines_in(fourth, what), 0) << "the new pod's child started with its file rendered";
    struct stat st {};
    ASSERT_EQ(::stat(peers_file(fourth).c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0640u) << "the template's mode";
  }

  TempDir out;
  std::string tmpl;
};

TEST_F(RunTemplates, AFourthPodReRendersEveryFileAndRunsOnChangeOncePerPodWithoutRestarts) {
  // Each pod's --on-change appends to <port>.changes, beside its pid file.
  fourth_pod_reloads_every_child_once("--on-change=echo x >> \"$TEST_OUT/$PORT_8080.changes\"",
                                      "changes");
}

TEST_F(RunTemplates, ReloadSignalReachesTheChildsTrapOncePerChange) {
  fourth_pod_reloads_every_child_once("--reload-signal=SIGHUP", "hups");
}

TEST(RunTemplate, AVariableWithNoValueIs406NamesItAndLeavesTheOldFile) {
  TempDir out;
  const std::string tmpl = out.file("peers.tmpl");
  const std::string conf = out.file("peers.conf");
  write_text(tmpl, "{{#pods}}{{ip}}:{{#ports}}{{host}}{{/ports}}\n{{/pods}}");
  PodSpec spec;  // solo: it configures itself
  spec.with_control_port(free_port()).with_option("--template=" + tmpl + ":" + conf);
  PodProcess pod(spec);
  const std::string rendered = "127.0.0.1:" + std::to_string(spec.control_port) + "\n";
  ASSERT_TRUE(wait_until(
      [&] {
        auto info = pod_info(spec.control_port, 2s);
        return read_text(conf) == rendered && info && (*info)["process"] == "running";
      },
      10s, "the solo pod's own file rendered and its child running"));
  // A configuration whose pod has no "ip": the template's {{ip}} has nothing to render.
  const json payload = {{"key", "k"},
                        {"pods", {{"k", {{"seq", 1}, {"public", "x"}, {"ports", {{"8080", 1}}}}}}},
                        {"dependencies", json::object()}};
  EXPECT_EQ(http_post(spec.control_port, "/control/on", payload.dump(), 10s).status, 406);
  EXPECT_TRUE(log_has(spec.control_port, "template " + tmpl + ": {{ip}} has no value"));
  EXPECT_EQ(read_text(conf), rendered) << "the previous file was touched";
  EXPECT_EQ(pod_info(spec.control_port, 2s).value_or(json())["process"], "dead");
}

}  // namespace
}  // namespace ochopod::test
