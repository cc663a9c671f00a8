// A 300-pod cluster on one machine (issue 14): every pod configured with the
// same view of all 300, one leader, and a SIGTERMed leader hands over to a
// pod that configures the 299 left. Real pods on a real ZooKeeper; not timed
// (the figures are scripts/bench's). Label `scale`: it runs alone, after the
// integration tests, since 300 pods load both cores.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <set>
#include <sstream>

#include "harness/cluster_probe.h"
#include "harness/files.h"
#include "harness/ports.h"
#include "harness/spawn.h"
#include "harness/temp_dir.h"
#include "harness/zk_fixture.h"

namespace ochopod::test {
namespace {

using namespace std::chrono_literals;

constexpr int kPods = 300;
// Spawning 300 pods, a round per damper while they come, then the round that
// holds them all: a minute on a loaded 2-core machine is plenty, 4 is slack.
constexpr auto kFormation = 240s;
// A session timeout a loaded machine cannot miss (expiries would churn the
// cluster); a SIGTERMed pod closes its session at once anyway.
constexpr const char* kSessionTimeout = "10";

// Its header names the view's size and this pod's place in it.
constexpr char kPeers[] =
    "# {{size}} {{index}}\n"
    "{{#pods}}\n"
    "{{#ports}}{{host}}{{/ports}}\n"
    "{{/pods}}\n";

class Scale : public ZkTest {
 protected:
  void SetUp() override {
    ZkTest::SetUp();
    tmpl = out.file("peers.tmpl");
    write_text(tmpl, kPeers);
  }
  PodSpec spec(int port) const {
    return PodSpec(zk.connect_string())
        .with_cluster("big")
        .with_control_port(port)
        .with_session_timeout(kSessionTimeout)
        .with_option("--damper=1")
        .with_option("--control-timeout=30")
        .with_option("--template=" + tmpl + ":" + out.file(std::to_string(port) + ".peers"));
  }

  struct View {
    int size = -1, index = -1;
    std::set<int> ports;
  };
  View view_of(int port) const {
    View v;
    std::istringstream in(read_text(out.file(std::to_string(port) + ".peers")));
    std::string hash;
    if (!(in >> hash >> v.size >> v.index) || hash != "#") return View{};
    for (int p; in >> p;) v.ports.insert(p);
    return v;
  }
  // Every pod of `ports` renders exactly `ports`, each at its own index.
  bool consistent(const std::set<int>& ports) const {
    std::set<int> indexes;
    for (int p : ports) {
      const View v = view_of(p);
      if (v.size != static_cast<int>(ports.size()) || v.ports != ports) return false;
      indexes.insert(v.index);
    }
    return indexes.size() == ports.size() && *indexes.begin() == 0 &&
           *indexes.rbegin() == static_cast<int>(ports.size()) - 1;
  }
  // How many pods answered that they lead, and whether every pod answered.
  int leaders(const Pods& pods, const PodProcess* skip = nullptr) const {
    int n = 0;
    for (const auto& p : pods) {
      if (p.get() == skip) continue;
      const std::string state = state_of(p->control_port());
      if (state.empty()) return -1;
      n += state.rfind("leader", 0) == 0;
    }
    return n;
  }

  TempDir out;
  std::string tmpl;
};

TEST_F(Scale, ThreeHundredPodsShareOneViewUnderOneLeaderWhoHandsOver) {
  const std::vector<int> port_list = free_ports(kPods);
  const std::set<int> ports(port_list.begin(), port_list.end());
  ASSERT_EQ(ports.size(), static_cast<size_t>(kPods));
  Pods pods;
  for (int p : port_list) pods.push_back(std::make_unique<PodProcess>(spec(p)));

  ASSERT_TRUE(wait_until([&] { return consistent(ports); }, kFormation,
                         "every one of the 300 pods configured with the same 300 pods"));
  ASSERT_TRUE(wait_until([&] { return leaders(pods) == 1; }, 30s,
                         "exactly one of the 300 pods leading, all answering"));

  PodProcess* leader = leader_of(pods);
  ASSERT_NE(leader, nullptr);
  const int gone = leader->control_port();
  ASSERT_TRUE(leader->signal(SIGTERM));
  const auto status = leader->wait_exit(60s);
  ASSERT_TRUE(status) << "the SIGTERMed leader did not exit";
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << describe_status(*status);

  std::set<int> left = ports;
  left.erase(gone);
  ASSERT_TRUE(wait_until([&] { return consistent(left); }, kFormation,
                         "the 299 pods left configured again, each with the same 299"));
  EXPECT_TRUE(wait_until([&] { return leaders(pods, leader) == 1; }, 30s,
                         "exactly one of the 299 pods leading"));
}

}  // namespace
}  // namespace ochopod::test
