// `ochopod run` as a user runs it (issue 3): PID 1 duties in a fresh PID
// namespace, SIGTERM handed to the child, the --sanity and --health hooks.
// Solo pods (no ZooKeeper): the behaviour under test is the pod's own.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>

#include "harness/cluster_probe.h"
#include "harness/ports.h"
#include "harness/proc_tree.h"
#include "harness/spawn.h"

namespace ochopod::test {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

std::string process_of(const PodProcess& pod) {
  auto info = pod_info(pod.control_port(), 2s);
  return info ? (*info)["process"].get<std::string>() : "";
}

TEST(RunPod, AsPid1ItReapsOrphansAndStillSeesItsChildsExitCode) {
  // The child leaves two orphans (double fork) that die quickly, then exits 3.
  PodSpec spec = solo()
                     .with_option("--pipe")
                     .with_option("--shell")
                     .with_child({"(sleep 0.2 &) ; (sleep 0.3 &) ; sleep 0.5 ; exit 3"})
                     .with_control_port(free_port());
  auto args = spec.args();
  args.insert(args.begin(), {"--pid", "--fork", "--mount-proc", OCHOPOD_BIN});
  PodProcess pod(args, spec.environment(), "/usr/bin/unshare");
  const int port = spec.control_port;
  ASSERT_TRUE(wait_until([&] { return log_has(port, "exit code 3"); }, 10s,
                         "the child's exit code 3 seen by the pod as PID 1"));
  // The reaper is PID 1, the runtime its child: its lines go to stderr.
  EXPECT_TRUE(wait_until([&] { return pod.output().find("reaped orphan") != std::string::npos; },
                         5s, "an orphan reaped by the pod's PID 1"));
  // No zombie lingers under the pod (unshare's child is the pod: PID 1 inside).
  EXPECT_TRUE(wait_until(
      [&] {
        for (pid_t p : descendants(pod.pid())) {
          if (process_state(p) == 'Z') return false;
        }
        return true;
      },
      3s, "no zombie left under the pod"));
}

TEST(RunPod, SigtermStopsTheChildFinalizesAndExitsZeroWithinGrace) {
  TempDir dir;
  const std::string marker = dir.file("got-term");
  const std::string ready = dir.file("trap-set");
  PodSpec spec = solo().with_option("--grace=5").with_child(term_trapping_child(marker, ready));
  PodProcess pod(spec);
  // "running" comes as soon as sh is exec'd, before it has set its trap.
  ASSERT_TRUE(
      wait_until([&] { return process_of(pod) == "running" && std::filesystem::exists(ready); },
                 10s, "the child running with its trap set"));
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(pod.signal(SIGTERM));
  const auto status = pod.wait_exit(5s + 2s);
  ASSERT_TRUE(status) << "the pod did not exit within grace plus slack";
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << describe_status(*status);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s) << "it waited out the grace";
  std::ifstream in(marker);
  std::string word;
  in >> word;
  EXPECT_EQ(word, "term") << "the child never got its SIGTERM";
  EXPECT_NE(pod.output().find("finaliz"), std::string::npos) << "finalize not logged";
  EXPECT_TRUE(pod.leftovers().empty()) << "a process of the pod outlived it";
}

TEST(RunPod, SanityCommandMetricsAndFailure) {
  PodProcess good(
      solo().with_option("--check-every=0.3").with_option("--sanity=echo '{\"queue\": 7}'"));
  EXPECT_TRUE(wait_until(
      [&] {
        auto info = pod_info(good.control_port());
        return info && (*info)["metrics"] == json({{"queue", 7}});
      },
      10s, "--sanity's JSON object as metrics"));
  PodProcess bad(solo()
                     .with_option("--check-every=0.3")
                     .with_option("--checks=2")
                     .with_option("--sanity=exit 4"));
  ASSERT_TRUE(wait_until([&] { return process_of(bad) == "running"; }, 10s, "the child running"));
  EXPECT_TRUE(wait_until([&] { return process_of(bad) == "stopped"; },
                         std::chrono::milliseconds(300 * 2 * 2 + 3000),
                         "a failing --sanity turning the child off after --checks failures"));
}

TEST(RunPod, HealthTcpAndHttpPassAndFail) {
  const int port = free_port();
  // The child serves HTTP on `port`, so both probes pass while it runs.
  // Checks fail until python has bound the port: allow a few while it starts.
  constexpr auto kEvery = 500ms;  // --check-every below
  constexpr int kChecks = 5;
  auto checking = [&] {
    return solo()
        .with_option("--check-every=0.5")
        .with_option("--checks=" + std::to_string(kChecks));
  };
  auto failed_checks = [](int control_port) {
    const std::string log = http_post(control_port, "/log").body;
    int n = 0;
    for (auto at = log.find("sanity check failed"); at != std::string::npos;
         at = log.find("sanity check failed", at + 1)) {
      ++n;
    }
    return n;
  };
  auto turned_off = [](int control_port) {
    return log_has(control_port, "turning the child off") &&
           pod_info(control_port, 2s).value_or(json())["process"] == "stopped";
  };
  PodProcess served(checking()
                        .with_option("--health=tcp:" + std::to_string(port))
                        .with_option("--health=http://127.0.0.1:" + std::to_string(port) + "/")
                        .with_child({"/usr/bin/python3", "-m", "http.server", "--bind", "127.0.0.1",
                                     std::to_string(port)}));
  ASSERT_TRUE(wait_until(
      [&] { return process_of(served) == "running" && http_get(port, "/").status == 200; }, 10s,
      "the child serving HTTP"));
  const int failed_while_starting = failed_checks(served.control_port());
  EXPECT_TRUE(stays_false(
      [&] {
        return process_of(served) != "running" ||
               failed_checks(served.control_port()) != failed_while_starting;
      },
      2 * kChecks * kEvery, "a health check failing against the serving child"));
  const int closed = free_port();
  PodProcess tcp_down(checking().with_option("--health=tcp:" + std::to_string(closed)));
  EXPECT_TRUE(wait_until([&] { return turned_off(tcp_down.control_port()); }, kChecks * kEvery + 5s,
                         "--health tcp on a closed port turning the child off"));
  PodProcess http_404(
      checking()
          .with_option("--health=http://127.0.0.1:" + std::to_string(port) + "/missing-page")
          .with_child({"/bin/sleep", "3600"}));
  EXPECT_TRUE(wait_until([&] { return turned_off(http_404.control_port()); }, kChecks * kEvery + 5s,
                         "--health http answering 404 turning the child off"));
}

TEST(RunPod, KillNineOnTheChildRestartsItAndTheLogCountsIt) {
  PodProcess pod(solo().with_option("--pipe"));
  ASSERT_TRUE(wait_until([&] { return process_of(pod) == "running"; }, 10s, "child running"));
  pid_t child = 0;
  ASSERT_TRUE(wait_until(
      [&] {
        for (pid_t p : descendants(pod.pid())) {
          if (!is_guardian(p)) child = p;
        }
        return child != 0;
      },
      5s, "the child process"));
  ASSERT_EQ(::kill(child, SIGKILL), 0);
  EXPECT_TRUE(wait_until(
      [&] {
        auto now = descendants(pod.pid());
        std::erase_if(now, is_guardian);
        return !now.empty() && now.back() != child && log_has(pod.control_port(), "child #2");
      },
      5s, "a new child and 'child #2' in the log"));
}

TEST(RunPod, BadOptionsExit2WithOneLineNamingThem) {
  for (const auto& [option, named] : std::vector<std::pair<std::string, std::string>>{
           {"--bogus", "--bogus"}, {"--grace=soon", "--grace"}, {"--binding=mesos", "--binding"}}) {
    PodProcess pod({"run", option, "--", "/bin/true"});
    const auto status = pod.wait_exit(5s);
    ASSERT_TRUE(status);
    EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 2) << option;
    EXPECT_NE(pod.output().find(named), std::string::npos) << pod.output();
  }
}

}  // namespace
}  // namespace ochopod::test
