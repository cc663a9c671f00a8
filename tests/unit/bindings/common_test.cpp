// Each binding from a fixture environment: the exact registration it
// produces, and the variable named when one is missing.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <unistd.h>

#include <fstream>

#include "bindings/binding.h"
#include "harness/temp_dir.h"

namespace ochopod {
namespace {

using nlohmann::json;

json registration(const Environment& env, const std::string& binding = "") {
  auto result = resolve_binding(env, binding);
  EXPECT_TRUE(result.settings) << result.error;
  return result.settings ? result.settings->registration : json();
}

TEST(Binding, MarathonProducesTheExactRegistration) {
  const Environment env = {{"MARATHON_APP_ID", "/shop/web"},
                           {"MESOS_TASK_ID", "shop_web.4c279439"},
                           {"HOST", "10.1.2.3"},
                           {"PORT_8080", "31007"},
                           {"PORT_6379", "31008"},
                           {"ochopod_zk", "10.0.0.5:2181"},
                           {"ochopod_cluster", "web"},
                           {"ochopod_namespace", "shop"},
                           {"ochopod_custom", "kept"}};
  const auto result = resolve_binding(env, "");  // picked from MARATHON_APP_ID
  ASSERT_TRUE(result.settings) << result.error;
  EXPECT_EQ(result.settings->registration, json({{"cluster", "web"},
                                                 {"namespace", "shop"},
                                                 {"ip", "10.1.2.3"},
                                                 {"public", "10.1.2.3"},
                                                 {"port", "8080"},
                                                 {"ports", {{"8080", 31007}, {"6379", 31008}}},
                                                 {"node", "10.1.2.3"},
                                                 {"application", "shop/web"},
                                                 {"task", "shop_web.4c279439"},
                                                 {"zk", "10.0.0.5:2181"},
                                                 {"fwk", "marathon"},
                                                 {"binding", "marathon"},
                                                 {"debug", "true"},
                                                 {"local", "false"},
                                                 {"start", "true"},
                                                 {"custom", "kept"}}));
  EXPECT_EQ(result.settings->listen_port, 8080) << "a container listens on its own port";
  EXPECT_EQ(result.settings->full_name(), "shop.web");
}

TEST(Binding, MarathonReadsZooKeeperFromTheMesosFilesInOrderKeepingOnlyHosts) {
  test::TempDir dir;
  std::ofstream(dir.file("common")) << "MESOS_WORK_DIR=/var/lib/mesos\n";
  std::ofstream(dir.file("slave"))
      << "MESOS_MASTER=zk://bob:pw@10.0.0.7:2181,10.0.0.8:2181/mesos\n";
  std::ofstream(dir.file("zk")) << "zk://10.9.9.9:2181/mesos\n";
  Environment env = {
      {"MARATHON_APP_ID", "a"},
      {"MESOS_TASK_ID", "t"},
      {"HOST", "127.0.0.1"},
      {"OCHOPOD_MESOS_FILES", dir.file("common") + "," + dir.file("slave") + "," + dir.file("zk")}};
  EXPECT_EQ(registration(env)["zk"], "10.0.0.7:2181,10.0.0.8:2181");
  env["OCHOPOD_MESOS_FILES"] = dir.file("missing") + "," + dir.file("zk");
  EXPECT_EQ(registration(env)["zk"], "10.9.9.9:2181");
  env["ochopod_zk"] = "zk://h:1/chroot";
  const auto result = resolve_binding(env, "marathon");
  EXPECT_EQ(result.settings->registration["zk"], "h:1/chroot") << "a user's chroot is honoured";
  env.erase("ochopod_zk");
  env["OCHOPOD_MESOS_FILES"] = dir.file("missing");
  EXPECT_EQ(registration(env)["fwk"], "solo") << "no ZooKeeper anywhere: solo";
}

TEST(Binding, TheZkAclComesFromOchopodZkAclAndDefaultsOnTheCredentials) {
  const auto acl_of = [](const Environment& env) {
    const auto result = resolve_binding(env, "local");
    EXPECT_TRUE(result.settings) << result.error;
    return result.settings ? result.settings->zk_acl : ZkAclMode::kOpen;
  };
  EXPECT_EQ(acl_of({{"ochopod_zk", "h:1"}}), ZkAclMode::kOpen);
  EXPECT_EQ(acl_of({{"ochopod_zk", "zk://bob:pw@h:1"}}), ZkAclMode::kRead);
  EXPECT_EQ(acl_of({{"ochopod_zk", "zk://bob:pw@h:1"}, {"ochopod_zk_acl", "private"}}),
            ZkAclMode::kPrivate);
  EXPECT_EQ(acl_of({{"ochopod_zk", "zk://bob:pw@h:1"}, {"ochopod_zk_acl", "open"}}),
            ZkAclMode::kOpen);
  // Asking to protect nodes without credentials to protect them with.
  const auto refused =
      resolve_binding({{"ochopod_zk", "h:1"}, {"ochopod_zk_acl", "read"}}, "local");
  EXPECT_FALSE(refused.settings);
  EXPECT_EQ(refused.error,
            "ochopod_zk_acl=read needs ZooKeeper credentials (ochopod_zk=zk://user:pass@hosts)");
  // The registration keeps the choice (not a secret), never the password.
  const auto result = resolve_binding(
      {{"ochopod_zk", "zk://bob:pw1234@h:1/c"}, {"ochopod_zk_acl", "read"}}, "local");
  ASSERT_TRUE(result.settings) << result.error;
  EXPECT_EQ(result.settings->registration["zk"], "h:1/c");
  EXPECT_EQ(result.settings->registration["zk_acl"], "read");
  EXPECT_EQ(result.settings->registration.dump().find("pw1234"), std::string::npos);
}

TEST(Binding, MarathonNamesTheMissingVariable) {
  for (const char* missing : {"MARATHON_APP_ID", "MESOS_TASK_ID", "HOST"}) {
    Environment env = {{"MARATHON_APP_ID", "a"}, {"MESOS_TASK_ID", "t"}, {"HOST", "h"}};
    env.erase(missing);
    const auto result = resolve_binding(env, "marathon");
    EXPECT_FALSE(result.settings);
    EXPECT_NE(result.error.find(missing), std::string::npos) << result.error;
  }
  // Local mode needs no HOST.
  EXPECT_TRUE(
      resolve_binding({{"MARATHON_APP_ID", "a"}, {"MESOS_TASK_ID", "t"}, {"ochopod_local", "true"}},
                      "marathon")
          .settings);
}

TEST(Binding, KubernetesUsesTheDownwardApiWithoutRemapping) {
  const Environment env = {{"POD_NAME", "web-7d9f"}, {"POD_NAMESPACE", "shop"},
                           {"POD_IP", "10.244.1.5"}, {"PORT_8080", "31000"},
                           {"PORT_2181", "2181"},    {"ochopod_zk", "zk:2181"}};
  const json reg = registration(env);  // picked from POD_IP
  EXPECT_EQ(reg["fwk"], "kubernetes");
  EXPECT_EQ(reg["ip"], "10.244.1.5");
  EXPECT_EQ(reg["public"], "10.244.1.5");
  EXPECT_EQ(reg["task"], "web-7d9f");
  EXPECT_EQ(reg["application"], "shop");
  EXPECT_EQ(reg["ports"], json({{"8080", 8080}, {"2181", 2181}})) << "declared, never remapped";
  for (const char* missing : {"POD_NAME", "POD_NAMESPACE", "POD_IP"}) {
    Environment broken = env;
    broken.erase(missing);
    const auto result = resolve_binding(broken, "kubernetes");
    EXPECT_FALSE(result.settings);
    EXPECT_NE(result.error.find(missing), std::string::npos) << result.error;
  }
}

TEST(Binding, LocalModeUsesLoopbackAndListensOnTheRemappedPort) {
  const Environment env = {
      {"ochopod_local", "true"}, {"PORT_8080", "19001"}, {"ochopod_zk", "127.0.0.1:2181"}};
  const auto result = resolve_binding(env, "");
  ASSERT_TRUE(result.settings);
  const json& reg = result.settings->registration;
  EXPECT_EQ(reg["fwk"], "local");
  EXPECT_EQ(reg["ip"], "127.0.0.1");
  EXPECT_EQ(reg["public"], "127.0.0.1");
  EXPECT_EQ(reg["node"], "local");
  EXPECT_EQ(reg["local"], "true");
  EXPECT_EQ(result.settings->listen_port, 19001);
  EXPECT_EQ(result.settings->full_name(), "marathon.default");
}

// What getifaddrs() says the answer is: the first IPv4 address of an
// interface that is up and not loopback.
std::string first_up_ipv4_by_getifaddrs() {
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return "127.0.0.1";
  std::string found = "127.0.0.1";
  for (ifaddrs* it = list; it != nullptr; it = it->ifa_next) {
    if (it->ifa_addr == nullptr || it->ifa_addr->sa_family != AF_INET) continue;
    if ((it->ifa_flags & IFF_LOOPBACK) != 0 || (it->ifa_flags & IFF_UP) == 0) continue;
    char text[INET_ADDRSTRLEN] = {};
    const auto* addr = reinterpret_cast<const sockaddr_in*>(it->ifa_addr);
    if (::inet_ntop(AF_INET, &addr->sin_addr, text, sizeof text) != nullptr) {
      found = text;
      break;
    }
  }
  ::freeifaddrs(list);
  return found;
}

TEST(Binding, OutsideLocalModeTheHostsFirstUpAddressThatIsNotLoopbackPlacesThePod) {
  const json reg = registration({{"ochopod_zk", "127.0.0.1:2181"}}, "local");
  EXPECT_EQ(reg["ip"], first_up_ipv4_by_getifaddrs());
  EXPECT_EQ(reg["public"], reg["ip"]);
  char host[256] = {};
  ASSERT_EQ(::gethostname(host, sizeof host - 1), 0);
  EXPECT_EQ(reg["node"], host);
  EXPECT_EQ(reg["local"], "false");
}

TEST(Binding, SoloIgnoresZooKeeper) {
  const auto result = resolve_binding({{"ochopod_zk", "127.0.0.1:2181"}}, "solo");
  ASSERT_TRUE(result.settings);
  EXPECT_FALSE(result.settings->zk);
  EXPECT_EQ(result.settings->registration["fwk"], "solo");
  EXPECT_EQ(result.settings->registration["binding"], "solo");
}

TEST(Binding, BadSettingsAreOneLineErrors) {
  EXPECT_NE(resolve_binding({{"ochopod_port", "http"}}, "local").error.find("ochopod_port"),
            std::string::npos);
  EXPECT_NE(resolve_binding({{"PORT_8080", "x"}}, "local").error.find("PORT_8080"),
            std::string::npos);
  EXPECT_NE(resolve_binding({{"ochopod_zk", "nohost"}}, "local").error.find("ochopod_zk"),
            std::string::npos);
  EXPECT_NE(resolve_binding({}, "mesos").error.find("mesos"), std::string::npos);
}

TEST(Binding, AnUnknownBindingListsTheKnownOnes) {
  EXPECT_EQ(resolve_binding({}, "mesos").error,
            "unknown binding 'mesos' (marathon, kubernetes, local or solo)");
  for (const auto name : kBindingNames) {
    const auto result = resolve_binding({{"MARATHON_APP_ID", "a"},
                                         {"MESOS_TASK_ID", "t"},
                                         {"HOST", "127.0.0.1"},
                                         {"POD_NAME", "p"},
                                         {"POD_NAMESPACE", "n"},
                                         {"POD_IP", "10.0.0.1"},
                                         {"OCHOPOD_MESOS_FILES", "/nonexistent/ochopod"}},
                                        std::string(name));
    EXPECT_TRUE(result.settings) << name << ": " << result.error;
  }
}

// finish() reads flags, ports, ZooKeeper, then security: the first setting
// at fault is the one named.
TEST(Binding, TheFirstBadSettingInReadingOrderIsNamed) {
  Environment env = {{"ochopod_log_format", "xml"},
                     {"ochopod_port", "http"},
                     {"PORT_8080", "x"},
                     {"ochopod_zk", "zk://"},
                     {"ochopod_zk_acl", "world"},
                     {"ochopod_tls_cert", "/cert.pem"}};
  EXPECT_EQ(resolve_binding(env, "local").error,
            "ochopod_log_format must be text or json, got 'xml'");
  env.erase("ochopod_log_format");
  EXPECT_EQ(resolve_binding(env, "local").error, "ochopod_port must be a port number, got 'http'");
  env.erase("ochopod_port");
  EXPECT_EQ(resolve_binding(env, "local").error, "PORT_8080 must map a port to a port, got 'x'");
  env.erase("PORT_8080");
  EXPECT_EQ(resolve_binding(env, "local").error.rfind("ochopod_zk: ", 0), 0u)
      << resolve_binding(env, "local").error;
  env["ochopod_zk"] = "10.0.0.5:2181";
  EXPECT_EQ(resolve_binding(env, "local").error,
            "ochopod_zk_acl must be open, read or private, got 'world'");
  env.erase("ochopod_zk_acl");
  EXPECT_EQ(resolve_binding(env, "local").error,
            "ochopod_tls_cert and ochopod_tls_key go together: give both or neither");
  env.erase("ochopod_tls_cert");
  const auto result = resolve_binding(env, "local");
  EXPECT_TRUE(result.settings) << result.error;
  EXPECT_EQ(result.error, "") << "a pod that boots carries no error";
}

TEST(Binding, AnAclMattersOnlyWithZooKeeper) {
  const auto solo = resolve_binding({{"ochopod_zk_acl", "world"}}, "solo");
  ASSERT_TRUE(solo.settings) << solo.error;
  EXPECT_FALSE(solo.settings->zk);
}

TEST(Binding, MesosFilesMayHaveSpacesAndCrlfAroundTheAddress) {
  test::TempDir dir;
  std::ofstream(dir.file("slave")) << "  MESOS_MASTER= zk://10.0.0.7:2181/mesos \r\n";
  const Environment env = {{"MARATHON_APP_ID", "a"},
                           {"MESOS_TASK_ID", "t"},
                           {"HOST", "127.0.0.1"},
                           {"OCHOPOD_MESOS_FILES", dir.file("slave")}};
  EXPECT_EQ(registration(env)["zk"], "10.0.0.7:2181");
  std::ofstream(dir.file("tabbed")) << "\tMESOS_MASTER=zk://10.0.0.8:2181/mesos\n";
  const Environment tabbed = {{"MARATHON_APP_ID", "a"},
                              {"MESOS_TASK_ID", "t"},
                              {"HOST", "127.0.0.1"},
                              {"OCHOPOD_MESOS_FILES", dir.file("tabbed")}};
  EXPECT_EQ(registration(tabbed)["fwk"], "solo") << "a tab is not taken for a space";
}

TEST(Binding, LogFormatComesFromTheEnvironmentForEveryPod) {
  const auto plain = resolve_binding({}, "local");
  ASSERT_TRUE(plain.settings) << plain.error;
  EXPECT_EQ(plain.settings->log.format, log::Format::kText);
  const auto json = resolve_binding({{"ochopod_log_format", "json"}}, "solo");
  ASSERT_TRUE(json.settings) << json.error;
  EXPECT_EQ(json.settings->log.format, log::Format::kJson);
  EXPECT_EQ(resolve_binding({{"ochopod_log_format", "yaml"}}, "local").error,
            "ochopod_log_format must be text or json, got 'yaml'");
}

}  // namespace
}  // namespace ochopod
