// The flagship example (examples/zookeeper), in two suites:
// - ZookeeperEnsemble: pure logic, how the pod renders zoo.cfg and myid from
//   a cluster snapshot (examples/zookeeper/ensemble.h). Label unit.
// - ZookeeperExample: three zookeeper_pod processes on one machine form a
//   real ZooKeeper ensemble that clients can write to. Label integration.
// tests/CMakeLists.txt registers each suite with its label (TEST_FILTER).
#include <gtest/gtest.h>

#include "harness/cluster_probe.h"
#include "harness/ports.h"
#include "harness/temp_dir.h"
#include "harness/zk_fixture.h"
#include "zookeeper/ensemble.h"

namespace ochopod::test {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

// ---- unit: the configuration rendering --------------------------------------

json pod(const std::string& ip, int seq, int base, bool local) {
  return json{{"ip", ip},
              {"seq", seq},
              {"local", local ? "true" : "false"},
              {"ports", {{"2181", base}, {"2888", base + 1}, {"3888", base + 2}}}};
}

TEST(ZookeeperEnsemble, ContainerModeBindsItsOwnLineOnAllInterfaces) {
  Cluster c = Cluster::from_payload(
      json{{"key", "b"},
           {"pods",
            {{"a", pod("10.0.0.1", 4, 31000, false)}, {"b", pod("10.0.0.2", 7, 32000, false)}}}});
  const auto r = zookeeper_example::render(c, "/data");
  EXPECT_EQ(r.myid, 8);
  EXPECT_EQ(r.client_port, 2181);
  EXPECT_NE(r.zoo_cfg.find("server.5=10.0.0.1:31001:31002\n"), std::string::npos) << r.zoo_cfg;
  EXPECT_NE(r.zoo_cfg.find("server.8=0.0.0.0:2888:3888\n"), std::string::npos) << r.zoo_cfg;
  EXPECT_NE(r.zoo_cfg.find("dataDir=/data\n"), std::string::npos);
}

TEST(ZookeeperEnsemble, LocalModeUsesRemappedPortsEverywhere) {
  Cluster c = Cluster::from_payload(
      json{{"key", "a"}, {"pods", {{"a", pod("127.0.0.1", 0, 19000, true)}}}});
  const auto r = zookeeper_example::render(c, "/d");
  EXPECT_EQ(r.myid, 1);
  EXPECT_EQ(r.client_port, 19000);
  EXPECT_NE(r.zoo_cfg.find("server.1=127.0.0.1:19001:19002\n"), std::string::npos) << r.zoo_cfg;
}

TEST(ZookeeperEnsemble, ASeqPast254IsAClearError) {
  Cluster c = Cluster::from_payload(
      json{{"key", "a"}, {"pods", {{"a", pod("127.0.0.1", 255, 19000, true)}}}});
  try {
    zookeeper_example::render(c, "/d");
    FAIL() << "no error past 255";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("255"), std::string::npos) << e.what();
  }
  Cluster missing = Cluster::from_payload(
      json{{"key", "a"},
           {"pods",
            {{"a", json{{"ip", "x"}, {"seq", 1}, {"local", "true"}, {"ports", json::object()}}}}}});
  EXPECT_THROW(zookeeper_example::render(missing, "/d"), std::runtime_error);
}

// ---- integration: a real ensemble of example pods ----------------------------

class ZookeeperExample : public ZkTest {};

TEST_F(ZookeeperExample, ThreePodsFormAnEnsembleClientsCanUse) {
  TempDir data;
  Pods pods;
  std::vector<int> client_ports;
  for (int i = 0; i < 3; ++i) {
    const auto ports = free_ports(3);
    client_ports.push_back(ports[0]);
    PodSpec spec = PodSpec(zk.connect_string())
                       .with_cluster("zookeeper")

                       .with_env("PORT_2181", std::to_string(ports[0]))
                       .with_env("PORT_2888", std::to_string(ports[1]))
                       .with_env("PORT_3888", std::to_string(ports[2]))
                       .with_env("ZOOKEEPER_DATA", data.path().string());
    spec.program = ZOOKEEPER_POD_BIN;
    pods.push_back(std::make_unique<PodProcess>(spec));
  }
  // The example's damper is 3 s and each server restarts per round: allow a
  // few rounds plus Java start-up.
  std::map<std::string, int> modes;
  ASSERT_TRUE(wait_until(
      [&] {
        modes.clear();
        for (const auto& p : pods) {
          auto info = pod_info(p->control_port());
          if (!info || !(*info)["metrics"].contains("mode")) return false;
          ++modes[(*info)["metrics"]["mode"].get<std::string>()];
        }
        return modes["leader"] == 1 && modes["follower"] == 2;
      },
      90s, "one ZooKeeper leader and two followers reported by the pods"));
  const std::string first = "127.0.0.1:" + std::to_string(client_ports[0]);
  const std::string third = "127.0.0.1:" + std::to_string(client_ports[2]);
  ASSERT_TRUE(kazoo_set(first, "/written/through/one", "hello ensemble"));
  EXPECT_TRUE(wait_until(ignoring_errors([&] {
                           auto node = kazoo_get(third, "/written/through/one");
                           return node && node->data == "hello ensemble";
                         }),
                         10s, "the znode read back through another server"));
}

}  // namespace
}  // namespace ochopod::test
