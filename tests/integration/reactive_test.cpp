// The leader configures the cluster (issue 4): rounds driven by ZooKeeper
// watches, the damper, dependencies, dead pods, refusals, handoffs mid-round,
// and an idle cluster that costs ZooKeeper nothing but pings.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <climits>
#include <fstream>
#include <set>

#include "harness/cluster_probe.h"
#include "harness/files.h"
#include "harness/proc_tree.h"
#include "harness/spawn.h"
#include "harness/temp_dir.h"
#include "harness/zk_fixture.h"

namespace ochopod::test {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

constexpr auto kFormation = 15s;

// The child every pod runs here: it links the live OCHOPOD_CLUSTER file and
// records its pid, then becomes `sleep`.
const std::vector<std::string> kChild = {
    "/bin/sh", "-c",
    "ln -sf \"$OCHOPOD_CLUSTER\" \"$TEST_OUT/$PORT_8080.json\"; echo $$ > "
    "\"$TEST_OUT/$PORT_8080.pid\"; "
    "exec sleep 3600"};

class Reactive : public ZkTest {
 protected:
  PodSpec spec(const std::string& cluster = "test", double damper = 1.0) const {
    return PodSpec(zk.connect_string())
        .with_cluster(cluster)
        .with_option("--damper=" + std::to_string(damper))
        .with_option("--control-timeout=10")
        .with_child(kChild)
        .with_env("TEST_OUT", out.path().string());
  }
  PodSpec cpp_spec(const std::string& cluster = "test") const {
    PodSpec s = PodSpec(zk.connect_string())
                    .with_cluster(cluster)
                    .with_env("TEST_OUT", out.path().string());
    s.program = TEST_POD_BIN;
    s.options.clear();
    return s;
  }
  // What the child of the pod on port sees, or null.
  json cluster_file(int port) const {
    std::ifstream in(out.file(std::to_string(port) + ".json"));
    if (!in) return nullptr;
    return json::parse(in, nullptr, false);
  }
  std::string out_dir_file(int port, const std::string& what) const {
    return out.file(std::to_string(port) + "." + what);
  }
  std::string child_pid(int port) const {
    std::ifstream in(out.file(std::to_string(port) + ".pid"));
    std::string pid;
    in >> pid;
    return pid;
  }
  // Every pod's pid file names a live child of that pod: the file is not
  // stale (a restarted child's) nor still to be written (a starting one's).
  bool pid_files_current(const Pods& pods) const {
    for (const auto& p : pods) {
      const std::string pid = child_pid(p->control_port());
      if (pid.empty() || parent_of(std::stoi(pid)) != p->pid()) return false;
    }
    return true;
  }
  std::map<int, std::string> child_pids(const Pods& pods) const {
    std::map<int, std::string> pids;
    for (const auto& p : pods) pids[p->control_port()] = child_pid(p->control_port());
    return pids;
  }
  bool leader_idle(const Pods& pods) const {
    PodProcess* leader = leader_of(pods);
    return leader && state_of(leader->control_port()) == "leader";
  }
  // No round under way and every child's pid recorded: a state to count from.
  bool settled(const Pods& pods) const { return leader_idle(pods) && pid_files_current(pods); }
  // Rounds are counted by the hash node's version (docs/protocol.md 4).
  int hash_version(const std::string& full = "local.test") const {
    auto node = kazoo_get(zk.connect_string(), cluster_path(full) + "/hash");
    return node ? node->version : -1;
  }
  bool every_pod_sees_size(const Pods& pods, int size) const {
    for (const auto& p : pods) {
      const json c = cluster_file(p->control_port());
      if (!c.is_object() || c.value("size", -1) != size) return false;
    }
    return true;
  }
  bool all_running(const Pods& pods) const {
    for (const auto& p : pods) {
      auto info = pod_info(p->control_port(), 2s);
      if (!info || (*info)["process"] != "running") return false;
    }
    return true;
  }
  // Three C++ pods whose configure() takes 1.5 s, returned once the leader
  // is in the middle of its first round.
  Pods three_pods_mid_round() {
    auto pods = launch_pods(cpp_spec().with_env("TEST_CONFIGURE_DELAY_MS", "1500"), 3);
    EXPECT_TRUE(wait_until(
        [&] {
          PodProcess* l = leader_of(pods);
          return l && state_of(l->control_port()) == "leader (configuring)";
        },
        kFormation, "the leader configuring"));
    return pods;
  }
  // The pods but the gone leader end up led and configured without it.
  void expect_survivors_configured(Pods& pods, PodProcess* gone) {
    Pods rest;
    for (auto& p : pods)
      if (p.get() != gone) rest.push_back(std::move(p));
    EXPECT_TRUE(wait_until(
        [&] {
          auto snap = kazoo_get(zk.connect_string(), cluster_path() + "/snapshot");
          return count_leaders(rest) == 1 && all_running(rest) && snap &&
                 json::parse(snap->data, nullptr, false).size() == 2;
        },
        20s, "a new leader configuring the two survivors"));
  }
  TempDir out;
};

TEST_F(Reactive, ThreePodsFormAndEveryChildSeesTheSameConsistentCluster) {
  auto pods = launch_pods(spec(), 3);
  // The hash and snapshot are written when the round ends, after the children start.
  ASSERT_TRUE(wait_until(
      [&] {
        auto snap = kazoo_get(zk.connect_string(), cluster_path() + "/snapshot");
        return all_running(pods) && every_pod_sees_size(pods, 3) && hash_version() >= 1 && snap &&
               json::parse(snap->data, nullptr, false).size() == 3;
      },
      kFormation, "3 running children seeing a cluster of 3, and the round over"));
  EXPECT_EQ(count_leaders(pods), 1);
  const auto hash = kazoo_get(zk.connect_string(), cluster_path() + "/hash");
  ASSERT_TRUE(hash);
  EXPECT_EQ(hash->data.size(), 47u) << "16 hex pairs joined by ':'";
  const auto snapshot = kazoo_get(zk.connect_string(), cluster_path() + "/snapshot");
  ASSERT_TRUE(snapshot);
  EXPECT_NE(snapshot->ephemeral_owner, 0);
  const json snap = json::parse(snapshot->data);
  EXPECT_EQ(snap.size(), 3u);
  std::set<int> indexes;
  for (const auto& p : pods) {
    const json c = cluster_file(p->control_port());
    EXPECT_EQ(c["pods"], snap) << "a child saw other pods than the snapshot";
    EXPECT_TRUE(snap.contains(c["key"].get<std::string>()));
    EXPECT_EQ(c["seq"], snap[c["key"].get<std::string>()]["seq"]);
    indexes.insert(c["index"].get<int>());
  }
  EXPECT_EQ(indexes, (std::set<int>{0, 1, 2}));
}

TEST_F(Reactive, AFourthPodCostsExactlyOneRoundAndRestartsNobody) {
  constexpr double kDamper = 1.0;
  auto pods = launch_pods(spec("test", kDamper), 3);
  ASSERT_TRUE(wait_until([&] { return all_running(pods) && every_pod_sees_size(pods, 3); },
                         kFormation, "the first 3 pods configured"));
  // Let any round already scheduled settle before counting.
  ASSERT_TRUE(wait_until([&] { return settled(pods); }, 5s,
                         "the leader idle and every child's pid recorded"));
  const int before = hash_version();
  const auto pids = child_pids(pods);

  pods.push_back(std::make_unique<PodProcess>(spec("test", kDamper)));
  ASSERT_TRUE(wait_until([&] { return every_pod_sees_size(pods, 4) && all_running(pods); },
                         kFormation, "all four children seeing a cluster of 4"));
  EXPECT_EQ(hash_version(), before + 1) << "more than one round for one join";
  EXPECT_TRUE(stays_false([&] { return hash_version() != before + 1; },
                          std::chrono::milliseconds(static_cast<int>(2000 * kDamper)),
                          "another round without any change"));
  for (const auto& [port, pid] : pids)
    EXPECT_EQ(child_pid(port), pid) << "child restarted on " << port;
}

TEST_F(Reactive, StrictRestartsEveryChildOnEveryRound) {
  auto pods = launch_pods(spec().with_option("--strict"), 2);
  ASSERT_TRUE(wait_until(
      [&] { return all_running(pods) && every_pod_sees_size(pods, 2) && pid_files_current(pods); },
      kFormation, "2 pods configured and their children's pids recorded"));
  const auto pids = child_pids(pods);
  pods.push_back(std::make_unique<PodProcess>(spec().with_option("--strict")));
  // A pod's cluster file shows the new size before its child is restarted,
  // and the new child writes its pid only once it runs: wait for the pids.
  EXPECT_TRUE(wait_until(
      [&] {
        if (!every_pod_sees_size(pods, 3) || !all_running(pods)) return false;
        for (const auto& [port, pid] : pids) {
          const std::string now = child_pid(port);
          if (now.empty() || now == pid) return false;
        }
        return true;
      },
      kFormation, "--strict restarting both first children for the third pod's round"));
}

TEST_F(Reactive, APodBouncingWithinTheDamperCostsNoRound) {
  constexpr double kDamper = 3.0;
  auto pods = launch_pods(spec("test", kDamper), 2);
  ASSERT_TRUE(wait_until([&] { return all_running(pods) && every_pod_sees_size(pods, 2); },
                         kFormation, "2 pods configured"));
  ASSERT_TRUE(wait_until([&] { return settled(pods); }, 5s,
                         "the leader idle and every child's pid recorded"));
  const int before = hash_version();
  PodProcess* follower = is_leader(pods[0]->control_port()) ? pods[1].get() : pods[0].get();
  ASSERT_EQ(http_post(follower->control_port(), "/reset").status, 200);
  EXPECT_TRUE(stays_false([&] { return hash_version() != before; },
                          std::chrono::milliseconds(static_cast<int>(2000 * kDamper)),
                          "a round for a pod that came back within the damper"));
}

TEST_F(Reactive, InfoShowsThePendingRoundWithACountdown) {
  auto pods = launch_pods(spec("test", 4.0), 1);
  ASSERT_TRUE(wait_until(
      [&] {
        auto info = pod_info(pods[0]->control_port());
        return info && (*info)["state"] == "leader (configuration pending)" &&
               (*info)["status"].get<std::string>().find("configuring in") == 0;
      },
      kFormation, "state 'leader (configuration pending)' with a countdown"));
  EXPECT_TRUE(wait_until([&] { return all_running(pods); }, 10s, "the round after the damper"));
}

TEST_F(Reactive, DependentsReconfigureWhenADependencyGrows) {
  // Three dependents: relative, absolute and glob, all on cluster "db".
  auto db = launch_pods(spec("db", 0), 1);
  ASSERT_TRUE(wait_until([&] { return all_running(db); }, kFormation, "db configured"));
  Pods web;
  for (const char* dep : {"db", "/local.db", "d*"}) {
    web.push_back(
        std::make_unique<PodProcess>(spec(std::string("web-") + (dep[0] == '/'   ? "abs"
                                                                 : dep[1] == '*' ? "glob"
                                                                                 : "rel"),
                                          0)
                                         .with_option(std::string("--depends-on=") + dep)));
  }
  auto deps_size = [&](const PodProcess& p) {
    const json c = cluster_file(p.control_port());
    if (!c.is_object()) return -1;
    for (const auto& [k, v] : c["dependencies"].items()) return static_cast<int>(v.size());
    return -1;
  };
  ASSERT_TRUE(wait_until(
      [&] {
        for (const auto& p : web)
          if (deps_size(*p) != 1) return false;
        return true;
      },
      kFormation, "every dependent seeing db's one pod"));
  db.push_back(std::make_unique<PodProcess>(spec("db", 0)));
  EXPECT_TRUE(wait_until(
      [&] {
        for (const auto& p : web)
          if (deps_size(*p) != 2) return false;
        return true;
      },
      kFormation, "every dependent (relative, absolute, glob) seeing db's two pods"));
  const json c = cluster_file(web[0]->control_port());
  const std::string url = c["dependencies"]["db"].begin()->value("ip", "");
  EXPECT_EQ(url, "127.0.0.1");
}

TEST_F(Reactive, AKilledPodIsDroppedFromTheNextRound) {
  auto pods = launch_pods(spec("test", 0), 3);
  ASSERT_TRUE(wait_until([&] { return all_running(pods) && every_pod_sees_size(pods, 3); },
                         kFormation, "3 pods configured"));
  PodProcess* victim = is_leader(pods[0]->control_port()) ? pods[1].get() : pods[0].get();
  const auto reg = registration_of(zk.connect_string(), victim->control_port());
  ASSERT_TRUE(reg);
  ASSERT_EQ(http_post(victim->control_port(), "/control/kill").status, 200);
  ASSERT_EQ(pod_info(victim->control_port()).value()["process"], "dead");
  EXPECT_EQ(http_post(victim->control_port(), "/control/on").status, 410);
  pods.push_back(std::make_unique<PodProcess>(spec("test", 0)));
  // The snapshot before the join also has 3 pods: the victim's absence tells them apart.
  EXPECT_TRUE(wait_until(
      [&] {
        auto snap = kazoo_get(zk.connect_string(), cluster_path() + "/snapshot");
        if (!snap) return false;
        const json pods_in = json::parse(snap->data, nullptr, false);
        const json newest = cluster_file(pods[3]->control_port());
        return pods_in.is_object() && pods_in.size() == 3 && !pods_in.contains(reg->uuid()) &&
               newest.is_object() && newest.value("size", 0) == 3;
      },
      kFormation, "a round of the 3 live pods, the dead one dropped"));
  EXPECT_TRUE(registration_of(zk.connect_string(), victim->control_port()))
      << "a dead pod stays registered";
}

TEST_F(Reactive, ARefusingPodHoldsTheRoundUntilItsConditionHolds) {
  const std::string gate = out.file("gate");
  auto pods = launch_pods(cpp_spec().with_env("TEST_GATE", gate).with_env("TEST_DAMPER", "0.5"), 2);
  ASSERT_TRUE(wait_until(
      [&] { return all_registered(zk.connect_string(), pods) && count_leaders(pods) == 1; },
      kFormation, "2 pods registered"));
  EXPECT_TRUE(stays_false(
      [&] {
        for (const auto& p : pods) {
          auto info = pod_info(p->control_port());
          if (info && (*info)["process"] != "stopped") return true;
        }
        return false;
      },
      2s, "a child started while can_configure refuses"));
  EXPECT_EQ(hash_version(), 0) << "no round may complete";
  write_text(gate, "open");
  EXPECT_TRUE(wait_until([&] { return all_running(pods); }, 5s,
                         "the retried round succeeding once the gate opened"));
}

TEST_F(Reactive, ALeaderKilledMidRoundIsReplacedAndTheClusterConfigured) {
  Pods pods = three_pods_mid_round();
  PodProcess* leader = leader_of(pods);
  ASSERT_NE(leader, nullptr);
  ASSERT_TRUE(leader->signal(SIGKILL));
  expect_survivors_configured(pods, leader);
}

TEST_F(Reactive, ALeaderSigtermedMidRoundExitsPromptlyAndIsReplaced) {
  // Its own round may be waiting on its own control port when it stops: the
  // pod must not sit out HTTP timeouts on the way out.
  Pods pods = three_pods_mid_round();
  PodProcess* leader = leader_of(pods);
  ASSERT_NE(leader, nullptr);
  ASSERT_TRUE(leader->signal(SIGTERM));
  // configure() (1.5 s) may be running, then the child's 2 s grace at most.
  const auto status = leader->wait_exit(8s);
  ASSERT_TRUE(status) << "the leader did not exit after SIGTERM mid-round";
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << describe_status(*status) << "\n"
                                                               << last_lines(leader->output(), 30);
  expect_survivors_configured(pods, leader);
}

// In the next two tests the follower is frozen (SIGSTOP: its kernel still
// accepts connections, nothing answers), then a third pod joins: the
// leader's round waits on the frozen pod's check for control-timeout x 1.25.
TEST_F(Reactive, ALeaderSuspendedMidRoundCutsItShortAndRedoesItOnResume) {
  // The server caps sessions at 20 ticks (10 s): the outage below stays well within.
  auto make = [&] {
    return spec("test", 0).with_session_timeout("10").with_option("--control-timeout=30");
  };
  auto pods = launch_pods(make(), 2);
  ASSERT_TRUE(wait_until([&] { return all_running(pods) && settled(pods); }, kFormation,
                         "2 pods configured and idle"));
  PodProcess* leader = leader_of(pods);
  ASSERT_NE(leader, nullptr);
  PodProcess* frozen = leader == pods[0].get() ? pods[1].get() : pods[0].get();
  const int before = hash_version();
  ASSERT_TRUE(frozen->signal(SIGSTOP));
  pods.push_back(std::make_unique<PodProcess>(make()));
  const int port = leader->control_port();
  ASSERT_TRUE(wait_until([&] { return state_of(port) == "leader (configuring)"; }, kFormation,
                         "the leader's round for the third pod"));
  zk.stop();
  // The killed server resets the connection: the client hears of it at once.
  const auto lost = std::chrono::steady_clock::now();
  EXPECT_TRUE(wait_until([&] { return state_of(port) == "suspended"; }, 5s,
                         "the leader saying 'suspended' once ZooKeeper is gone"));
  // The check waiting on the frozen pod (37.5 s) is cut short, not waited out.
  EXPECT_TRUE(wait_until([&] { return log_has(port, "the round was cut short"); }, 3s,
                         "the round in flight cut short"));
  const double cut = std::chrono::duration<double>(std::chrono::steady_clock::now() - lost).count();
  std::printf("suspended leader: round cut %.2f s after the server went\n", cut);
  EXPECT_EQ(pod_info(pods[2]->control_port(), 2s).value_or(json::object()).value("process", ""),
            "stopped")
      << "a suspended leader turned a pod on";
  EXPECT_EQ(state_of(pods[2]->control_port()), "follower") << "only a leader says 'suspended'";
  ASSERT_TRUE(frozen->signal(SIGCONT));
  zk.start();
  // Same session, still the lock holder: it leads on and redoes the round.
  EXPECT_TRUE(wait_until(
      [&] {
        return all_running(pods) && every_pod_sees_size(pods, 3) && state_of(port) == "leader";
      },
      kFormation, "the resumed leader redoing the round for 3 pods"));
  EXPECT_EQ(count_leaders(pods), 1);
  EXPECT_EQ(hash_version(), before + 1) << "the redone round is the only one stored";
  EXPECT_TRUE(log_has(port, "redoing the round cut short") ||
              log_has(port, "resuming once the cut round has returned"))
      << last_lines(leader->output(), 30);
}

TEST_F(Reactive, ALeaderSigtermedMidRoundWithAFrozenPeerExitsWithinThreeSeconds) {
  // The default control timeout: a round would wait 75 s on the frozen pod.
  auto make = [&] { return spec("test", 0).with_option("--control-timeout=60"); };
  auto pods = launch_pods(make(), 2);
  ASSERT_TRUE(wait_until([&] { return all_running(pods) && settled(pods); }, kFormation,
                         "2 pods configured and idle"));
  PodProcess* leader = leader_of(pods);
  ASSERT_NE(leader, nullptr);
  PodProcess* frozen = leader == pods[0].get() ? pods[1].get() : pods[0].get();
  ASSERT_TRUE(frozen->signal(SIGSTOP));
  pods.push_back(std::make_unique<PodProcess>(make()));
  ASSERT_TRUE(wait_until([&] { return state_of(leader->control_port()) == "leader (configuring)"; },
                         kFormation, "the leader's round for the third pod"));
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(leader->signal(SIGTERM));
  // 3 s, plus its child's stop (`sleep` dies at SIGTERM), plus slack for load.
  const auto status = leader->wait_exit(5s);
  const double took =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("SIGTERMed leader with a frozen peer: exited after %.2f s\n", took);
  EXPECT_TRUE(frozen->signal(SIGCONT));
  ASSERT_TRUE(status) << "the leader did not exit within 5 s of SIGTERM\n"
                      << last_lines(leader->output(), 30);
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << describe_status(*status);
}

// How many of the pod's /log lines hold text.
int log_count(int port, const std::string& text) {
  const auto reply = http_post(port, "/log");
  const json lines = json::parse(reply.body, nullptr, false);
  int n = 0;
  if (lines.is_array())
    for (const auto& l : lines)
      n += l.is_string() && l.get<std::string>().find(text) != std::string::npos;
  return n;
}

TEST_F(Reactive, FailedRoundsBackOffExponentiallyAndASuccessResetsIt) {
  const std::string gate = out.file("gate");
  auto pods = launch_pods(cpp_spec().with_env("TEST_GATE", gate).with_env("TEST_DAMPER", "0.5"), 2);
  ASSERT_TRUE(wait_until(
      [&] { return all_registered(zk.connect_string(), pods) && count_leaders(pods) == 1; },
      kFormation, "2 pods registered"));
  const int port = leader_of(pods)->control_port();
  // From max(damper, 1 s), doubling: 1 + 2 + 4 s before the fourth retry is announced.
  EXPECT_TRUE(wait_until([&] { return log_has(port, "retrying in 8.0 s"); }, 7s + 10s,
                         "retries announced at 1, 2, 4 then 8 s"));
  for (const char* delay : {"retrying in 1.0 s", "retrying in 2.0 s", "retrying in 4.0 s"})
    EXPECT_EQ(log_count(port, delay), 1) << delay;
  write_text(gate, "open");
  EXPECT_TRUE(wait_until([&] { return all_running(pods) && leader_idle(pods); }, 8s + 5s,
                         "the round after the 8 s backoff succeeding"));
  // Reset: the next failing round starts again from 1 s.
  std::filesystem::remove(gate);
  pods.push_back(std::make_unique<PodProcess>(
      cpp_spec().with_env("TEST_GATE", gate).with_env("TEST_DAMPER", "0.5")));
  EXPECT_TRUE(wait_until([&] { return log_count(port, "retrying in 1.0 s") == 2; }, kFormation,
                         "a failure after the success retried after 1 s again"));
}

TEST_F(Reactive, AFailedHashWriteIsRetriedAsAWriteNotAsARound) {
  // Children append a line per start: with --strict every round restarts them all.
  const std::vector<std::string> counting = {
      "/bin/sh", "-c",
      "ln -sf \"$OCHOPOD_CLUSTER\" \"$TEST_OUT/$PORT_8080.json\"; echo $$ >> "
      "\"$TEST_OUT/$PORT_8080.starts\"; exec sleep 3600"};
  auto make = [&] { return spec("test", 0).with_option("--strict").with_child(counting); };
  auto starts = [&](const PodProcess& p) {
    std::ifstream in(out_dir_file(p.control_port(), "starts"));
    int n = 0;
    for (std::string line; std::getline(in, line);) ++n;
    return n;
  };
  auto pods = launch_pods(make(), 2);
  ASSERT_TRUE(wait_until(
      [&] { return all_running(pods) && every_pod_sees_size(pods, 2) && leader_idle(pods); },
      kFormation, "2 pods configured"));
  // The hash node turns unwritable for our pods.
  const std::string hash = cluster_path() + "/hash";
  ASSERT_TRUE(kazoo_delete(zk.connect_string(), hash));
  ASSERT_TRUE(kazoo_create_private(zk.connect_string(), hash, "ops:secret"));
  const int first = starts(*pods[0]);
  pods.push_back(std::make_unique<PodProcess>(make()));
  ASSERT_TRUE(wait_until([&] { return starts(*pods[0]) == first + 1; }, kFormation,
                         "the first pod restarted once, for the third pod's round"));
  // Writes are retried at 1, 2 s...: a round retried instead would restart
  // the children again.
  EXPECT_TRUE(stays_false([&] { return starts(*pods[0]) != first + 1; }, 4s,
                          "a child restarted again while only the hash write failed"));
  const int port = leader_of(pods)->control_port();
  EXPECT_TRUE(log_has(port, "retrying the write")) << "the refused write not reported";
  ASSERT_TRUE(kazoo_open_acl(zk.connect_string(), hash, "ops:secret"));
  EXPECT_TRUE(wait_until(
      [&] {
        auto node = kazoo_get(zk.connect_string(), hash);
        return node && node->data.size() == 47 && leader_idle(pods);
      },
      8s + 5s, "the retried write landing"));
  EXPECT_EQ(starts(*pods[0]), first + 1) << "the stored outcome cost another round";
}

TEST_F(Reactive, ANewLeaderWhoseViewComesBackAsConfiguredPublishesTheSnapshot) {
  constexpr auto kDamper = 3s;
  auto pods = launch_pods(spec("test", 3.0), 2);
  ASSERT_TRUE(wait_until([&] { return all_running(pods) && settled(pods); }, kFormation,
                         "2 pods configured and idle"));
  const auto before = kazoo_get(zk.connect_string(), cluster_path() + "/snapshot");
  ASSERT_TRUE(before);
  const int rounds = hash_version();
  PodProcess* leader = leader_of(pods);
  ASSERT_NE(leader, nullptr);
  PodProcess* next = leader == pods[0].get() ? pods[1].get() : pods[0].get();
  // A stray registration makes the view differ when the next leader takes
  // over; it goes again within the damper, so no round runs.
  const std::string stray = cluster_path() + "/pods/stray.0000000099";
  ASSERT_TRUE(
      kazoo_create(zk.connect_string(), stray,
                   json{{"ip", "127.0.0.1"}, {"port", "8080"}, {"ports", {{"8080", 1}}}}.dump()));
  ASSERT_EQ(http_post(leader->control_port(), "/reset").status, 200);
  ASSERT_TRUE(wait_until([&] { return is_leader(next->control_port()); }, 5s, "a new leader"));
  ASSERT_TRUE(kazoo_delete(zk.connect_string(), stray));
  // The old leader's snapshot went with its session: the new one must write its own.
  EXPECT_TRUE(wait_until(
      [&] {
        auto snap = kazoo_get(zk.connect_string(), cluster_path() + "/snapshot");
        return snap && snap->ephemeral_owner != before->ephemeral_owner &&
               json::parse(snap->data, nullptr, false).size() == 2;
      },
      2 * kDamper, "the new leader publishing the snapshot"));
  EXPECT_EQ(hash_version(), rounds) << "a round for a view back as configured";
}

TEST_F(Reactive, SequentialRoundsTouchPodsOneAtATimeInKeyOrder) {
  // Strict, so every pod runs configure() in every round, however the pods'
  // registrations were split between rounds: the last round spaces them all.
  auto pods = launch_pods(cpp_spec()
                              .with_env("TEST_SEQUENTIAL", "1")
                              .with_env("TEST_STRICT", "1")
                              .with_env("TEST_CONFIGURE_DELAY_MS", "300"),
                          3);
  ASSERT_TRUE(wait_until([&] { return all_running(pods) && every_pod_sees_size(pods, 3); },
                         kFormation, "3 pods configured"));
  // Each child started after the previous one's configure() finished, in key order.
  std::vector<std::pair<std::string, std::filesystem::file_time_type>> starts;
  for (const auto& p : pods) {
    const json c = cluster_file(p->control_port());
    starts.emplace_back(c["key"], std::filesystem::last_write_time(
                                      out.file(std::to_string(p->control_port()) + ".json")));
  }
  std::sort(starts.begin(), starts.end());
  for (size_t i = 1; i < starts.size(); ++i) {
    EXPECT_GE(starts[i].second - starts[i - 1].second, std::chrono::milliseconds(250))
        << "pods " << i - 1 << " and " << i << " were configured together";
  }
}

TEST_F(Reactive, FullShutdownTurnsEveryPodOffBeforeAnyIsOn) {
  // Each child stamps (ns) when it starts and when SIGTERM stops it.
  const std::vector<std::string> stamping = {
      "/bin/sh", "-c",
      "echo $(date +%s%N) >> \"$TEST_OUT/$PORT_8080.starts\"; "
      "trap 'echo $(date +%s%N) >> \"$TEST_OUT/$PORT_8080.stops\"; exit 0' TERM; "
      "while :; do sleep 0.05; done"};
  auto make = [&] { return spec("test", 0).with_option("--full-shutdown").with_child(stamping); };
  auto pods = launch_pods(make(), 2);
  auto lines = [&](int port, const char* what) {
    std::vector<long long> out;
    std::ifstream in(out_dir_file(port, what));
    for (long long v; in >> v;) out.push_back(v);
    return out;
  };
  // Settled: each child's start is stamped (it comes after "running") and
  // the leader is done with however many rounds the two joins took.
  auto stamped_and_idle = [&](size_t n) {
    for (size_t i = 0; i < n; ++i) {
      const int port = pods[i]->control_port();
      if (lines(port, "starts").size() != lines(port, "stops").size() + 1) return false;
    }
    return all_running(pods) && hash_version() >= 1 && leader_idle(pods);
  };
  ASSERT_TRUE(wait_until([&] { return stamped_and_idle(2); }, kFormation, "2 pods configured"));
  const int before = hash_version();
  std::vector<size_t> stops_before, starts_before;
  for (int i = 0; i < 2; ++i) {
    stops_before.push_back(lines(pods[i]->control_port(), "stops").size());
    starts_before.push_back(lines(pods[i]->control_port(), "starts").size());
  }
  pods.push_back(std::make_unique<PodProcess>(make()));
  ASSERT_TRUE(wait_until(
      [&] {
        if (hash_version() <= before || !stamped_and_idle(3)) return false;
        for (int i = 0; i < 2; ++i) {
          if (lines(pods[i]->control_port(), "stops").size() <= stops_before[i]) return false;
        }
        return true;
      },
      kFormation, "the round for the third pod turning the first two off and on"));
  // The first round after the join: every stop in it precedes every start.
  long long last_stop = 0, first_new_start = LLONG_MAX;
  for (int i = 0; i < 2; ++i) {
    const auto stops = lines(pods[i]->control_port(), "stops");
    const auto starts = lines(pods[i]->control_port(), "starts");
    last_stop = std::max(last_stop, stops[stops_before[i]]);
    first_new_start = std::min(first_new_start, starts[starts_before[i]]);
  }
  EXPECT_LT(last_stop, first_new_start) << "a pod was on again before every pod was off";
}

TEST_F(Reactive, AnIdleClusterSendsZooKeeperNothingButPings) {
  auto pods = launch_pods(spec("test", 0), 5);
  ASSERT_TRUE(wait_until([&] { return all_running(pods) && every_pod_sees_size(pods, 5); },
                         kFormation, "5 pods configured"));
  ASSERT_TRUE(wait_until([&] { return settled(pods); }, 5s,
                         "the leader idle and every child's pid recorded"));
  const auto packets = [&] { return std::stoll(zk.mntr().at("zk_packets_received")); };
  const long long before = packets();
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(stays_false([] { return false; }, 10s, "nothing"));  // the quiet window itself
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const long long received = packets() - before;
  // The C client pings after a third of the 2 s session timeout without traffic.
  const double pings = 5 * seconds / (2.0 / 3.0);
  std::printf("idle 5-pod cluster: %lld packets in %.1f s (%.0f pings expected)\n", received,
              seconds, pings);
  EXPECT_LE(received, static_cast<long long>(pings) + 20);
}

}  // namespace
}  // namespace ochopod::test
