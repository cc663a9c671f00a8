// The flagship example (issue 5): three pods of examples/zookeeper on one
// machine form a real ZooKeeper ensemble that clients can write to.
#include <gtest/gtest.h>

#include "cluster_view.h"
#include "harness/ports.h"
#include "harness/temp_dir.h"
#include "harness/zk_fixture.h"

namespace ochopod::test {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

TEST_F(ZkTest, ZookeeperExampleFormsAnEnsembleClientsCanUse) {
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
