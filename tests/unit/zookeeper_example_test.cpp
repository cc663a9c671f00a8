// The zookeeper example's configuration rendering (examples/zookeeper).
#include <gtest/gtest.h>

#include "zookeeper/ensemble.h"

namespace {

using nlohmann::json;

json pod(const std::string& ip, int seq, int base, bool local) {
  return json{{"ip", ip},
              {"seq", seq},
              {"local", local ? "true" : "false"},
              {"ports", {{"2181", base}, {"2888", base + 1}, {"3888", base + 2}}}};
}

TEST(ZookeeperExample, ContainerModeBindsItsOwnLineOnAllInterfaces) {
  ochopod::Cluster c = ochopod::Cluster::from_payload(
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

TEST(ZookeeperExample, LocalModeUsesRemappedPortsEverywhere) {
  ochopod::Cluster c = ochopod::Cluster::from_payload(
      json{{"key", "a"}, {"pods", {{"a", pod("127.0.0.1", 0, 19000, true)}}}});
  const auto r = zookeeper_example::render(c, "/d");
  EXPECT_EQ(r.myid, 1);
  EXPECT_EQ(r.client_port, 19000);
  EXPECT_NE(r.zoo_cfg.find("server.1=127.0.0.1:19001:19002\n"), std::string::npos) << r.zoo_cfg;
}

TEST(ZookeeperExample, ASeqPast254IsAClearError) {
  ochopod::Cluster c = ochopod::Cluster::from_payload(
      json{{"key", "a"}, {"pods", {{"a", pod("127.0.0.1", 255, 19000, true)}}}});
  try {
    zookeeper_example::render(c, "/d");
    FAIL() << "no error past 255";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("255"), std::string::npos) << e.what();
  }
  ochopod::Cluster missing = ochopod::Cluster::from_payload(
      json{{"key", "a"},
           {"pods",
            {{"a", json{{"ip", "x"}, {"seq", 1}, {"local", "true"}, {"ports", json::object()}}}}}});
  EXPECT_THROW(zookeeper_example::render(missing, "/d"), std::runtime_error);
}

}  // namespace
