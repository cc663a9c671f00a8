// The control plane's protection (docs/protocol.md, "Security") with real
// pods, a real ZooKeeper and the real `ochopod` operator commands: a cluster
// sharing a control token forms and configures, everyone without the token
// gets 401 on every endpoint, and the token leaks nowhere; a cluster serving
// HTTPS forms with --tls-ca, and a caller without the CA gets a clear
// certificate error.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "cli_ops_fixture.h"
#include "harness/files.h"
#include "harness/http.h"
#include "harness/temp_dir.h"
#include "harness/tls_files.h"
#include "harness/wait.h"

namespace ochopod::test {
namespace {

using nlohmann::json;

constexpr char kToken[] = "t0ken-Zq81x-never-shown";

bool contains(const std::string& text, const std::string& what) {
  return text.find(what) != std::string::npos;
}

HttpHeaders bearer(const std::string& token) { return {{"Authorization", "Bearer " + token}}; }

std::optional<json> info_with_token(int port) {
  const auto reply = http_post(port, "/info", "", std::chrono::seconds(2), bearer(kToken));
  if (reply.status != 200 || !reply.json().is_object()) return std::nullopt;
  return reply.json();
}

// `ochopod <args...>` with extra environment variables, through env(1).
CliRun ochopod_with_env(const std::vector<std::string>& vars, std::vector<std::string> args) {
  std::vector<std::string> argv = {"/usr/bin/env"};
  argv.insert(argv.end(), vars.begin(), vars.end());
  argv.push_back(OCHOPOD_BIN);
  argv.insert(argv.end(), args.begin(), args.end());
  return run_cli(argv);
}

// The /info of every pod, through `ochopod info -j`: configured means every
// pod runs its process and one of them leads.
testing::AssertionResult cluster_configured(const CliRun& info, size_t pods) {
  const json j = info.json();
  if (info.code != 0 || !j.is_object() || j.size() != pods) {
    return testing::AssertionFailure() << describe(info);
  }
  int leaders = 0;
  for (const auto& [key, e] : j.items()) {
    if (e["info"].value("process", "") != "running") {
      return testing::AssertionFailure() << key << " not running: " << e;
    }
    if (e["info"].value("state", "").rfind("leader", 0) == 0) ++leaders;
  }
  if (leaders != 1) return testing::AssertionFailure() << leaders << " leaders: " << info.out;
  return testing::AssertionSuccess();
}

class TokenCluster : public ZkTest {
 protected:
  void SetUp() override {
    ZkTest::SetUp();
    write_text(dir_.file("token"), std::string(kToken) + "\n");
    // Each child writes the environment it got, then lives on.
    const PodSpec spec = PodSpec(zk.connect_string())
                             .with_cluster("vault")
                             .with_option("--token-file=" + dir_.file("token"))
                             .with_option("--shell")
                             .with_option("--pipe")
                             .with_child({"env > " + dir_.file("env") + ".$$; exec sleep 3600"});
    pods_ = launch_pods(spec, 3);
  }

  // A caller that has the token: `ochopod` with --token-file.
  CliRun ops(std::vector<std::string> args) const {
    args.insert(args.begin() + 1, "--token-file=" + dir_.file("token"));
    return ochopod_ops(zk.connect_string(), std::move(args));
  }

  testing::AssertionResult formed() {
    return wait_until(
        [&] {
          return cluster_configured(ops({"info", "-j", "local.vault"}), 3);
        },
        std::chrono::seconds(30),
        "3 pods sharing a token configured, with one leader (ochopod info -j)");
  }

  TempDir dir_;
  Pods pods_;
};

TEST_F(TokenCluster, FormsAndConfiguresAndEveryCallWithoutTheTokenIs401) {
  ASSERT_TRUE(formed());

  const std::vector<HttpHeaders> strangers = {{},
                                              bearer("wrong"),
                                              bearer(std::string(kToken).substr(0, 8)),
                                              bearer(kToken + std::string("x")),
                                              {{"Authorization", kToken}}};
  const std::vector<std::string> paths = {"/info",        "/log",         "/reset",
                                          "/exec",        "/control/on",  "/control/kill/5",
                                          "/control/off", "/no-such-path"};
  for (const auto& pod : pods_) {
    for (const auto& headers : strangers) {
      for (const auto& path : paths) {
        for (const bool get : {false, true}) {
          const auto reply =
              get ? http_get(pod->control_port(), path, std::chrono::seconds(5), headers)
                  : http_post(pod->control_port(), path, "{}", std::chrono::seconds(5), headers);
          EXPECT_EQ(reply.status, 401)
              << (get ? "GET " : "POST ") << path << " on port " << pod->control_port() << " with "
              << (headers.empty() ? "no header" : headers.begin()->second);
          if (reply.status == 401) {
            EXPECT_EQ(reply.body, "{}");
          }
        }
      }
    }
  }
  // None of those reached the pods: still configured, nobody turned off.
  EXPECT_TRUE(cluster_configured(ops({"info", "-j", "local.vault"}), 3));

  const CliRun anonymous = ochopod_ops(zk.connect_string(), {"ls", "local.vault"});
  EXPECT_NE(anonymous.code, 0) << describe(anonymous);
  for (const auto& r : registrations(zk.connect_string(), "local.vault")) {
    const std::string key = "local.vault #" + std::to_string(r.payload.value("seq", -1));
    EXPECT_TRUE(contains(anonymous.err, key + ": HTTP 401")) << key << "\n" << describe(anonymous);
  }
  EXPECT_TRUE(contains(anonymous.out, "0/3 (3 failed)")) << describe(anonymous);

  const CliRun by_file = ops({"ls", "-j", "local.vault"});
  ASSERT_EQ(by_file.code, 0) << describe(by_file);
  EXPECT_EQ(by_file.json()["local.vault"]["running"], 3) << by_file.out;
  const CliRun by_env = ochopod_with_env({std::string("OCHOPOD_TOKEN=") + kToken},
                                         {"ls", "--zk=" + zk.connect_string(), "local.vault"});
  EXPECT_EQ(by_env.code, 0) << describe(by_env);
  const CliRun wrong = ochopod_with_env({"OCHOPOD_TOKEN=wrong"},
                                        {"ls", "--zk=" + zk.connect_string(), "local.vault"});
  EXPECT_NE(wrong.code, 0) << describe(wrong);
}

TEST_F(TokenCluster, TheTokenIsInNoRegistrationInfoLogOrChildEnvironment) {
  ASSERT_TRUE(formed());
  // A round's worth of traffic, so the logs hold whatever a round logs.
  ASSERT_EQ(ops({"off", "--force", "local.vault"}).code, 0);
  ASSERT_EQ(ops({"on", "--force", "local.vault"}).code, 0);
  ASSERT_TRUE(formed());

  std::vector<std::pair<std::string, std::string>> places;  // what, text
  for (const auto& r : registrations(zk.connect_string(), "local.vault")) {
    places.emplace_back("registration " + r.node, r.payload.dump());
    EXPECT_FALSE(r.payload.contains("token")) << r.payload;
    EXPECT_FALSE(r.payload.contains("token_file")) << r.payload;
  }
  EXPECT_EQ(places.size(), 3u);
  for (const auto& pod : pods_) {
    const std::string port = std::to_string(pod->control_port());
    const auto info = info_with_token(pod->control_port());
    ASSERT_TRUE(info) << "pod on " << port;
    places.emplace_back("/info of " + port, info->dump());
    const auto log =
        http_post(pod->control_port(), "/log", "", std::chrono::seconds(5), bearer(kToken));
    ASSERT_EQ(log.status, 200);
    places.emplace_back("/log of " + port, log.body);
    places.emplace_back("output of " + port, pod->output());
  }
  size_t envs = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir_.path())) {
    if (entry.path().filename().string().rfind("env.", 0) != 0) continue;
    ++envs;
    const std::string env = read_text(entry.path().string());
    EXPECT_TRUE(contains(env, "ochopod_cluster=vault")) << "a child's environment: " << env;
    EXPECT_FALSE(contains(env, "ochopod_token")) << env;
    places.emplace_back("child environment " + entry.path().string(), env);
  }
  EXPECT_GE(envs, 3u) << "every child wrote its environment";
  for (const auto& [what, text] : places) {
    EXPECT_FALSE(contains(text, kToken)) << "the token is in the " << what;
  }
}

class TlsCluster : public ZkTest {};

TEST_F(TlsCluster, FormsOverHttpsWithTheCaAndACallerWithoutItGetsACertificateError) {
  TlsFiles tls;
  ASSERT_TRUE(tls.make());
  const PodSpec spec = PodSpec(zk.connect_string())
                           .with_cluster("secure")
                           .with_option("--tls-cert=" + tls.cert())
                           .with_option("--tls-key=" + tls.key())
                           .with_option("--tls-ca=" + tls.ca());
  const Pods pods = launch_pods(spec, 3);
  ASSERT_TRUE(wait_until(
      [&] {
        return cluster_configured(ochopod_ops(zk.connect_string(), {"info", "--tls-ca=" + tls.ca(),
                                                                    "-j", "local.secure"}),
                                  3);
      },
      std::chrono::seconds(30), "3 pods configured over HTTPS, one leader"));
  for (const auto& r : registrations(zk.connect_string(), "local.secure")) {
    EXPECT_EQ(r.payload.value("tls", ""), "true") << r.payload;
  }
  // Plain HTTP gets nothing from an HTTPS port.
  EXPECT_NE(http_post(pods[0]->control_port(), "/info").status, 200);

  const CliRun untrusting = ochopod_ops(zk.connect_string(), {"info", "local.secure"});
  EXPECT_NE(untrusting.code, 0) << describe(untrusting);
  EXPECT_TRUE(contains(untrusting.out, "certificate verify failed")) << describe(untrusting);
  const CliRun by_env = ochopod_with_env({"OCHOPOD_TLS_CA=" + tls.ca()},
                                         {"ls", "--zk=" + zk.connect_string(), "local.secure"});
  EXPECT_EQ(by_env.code, 0) << describe(by_env);
}

TEST(SecurityOptions, AnEmptyTokenOrAHalfTlsPairExitsTwoNamingTheOption) {
  TempDir dir;
  write_text(dir.file("blank"), " \n");
  for (const auto& [args, words] : std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{"--token-file=" + dir.file("blank")}, dir.file("blank")},
           {{"--token-file=" + dir.file("missing")}, dir.file("missing")},
           {{"--tls-cert=" + dir.file("blank")}, "ochopod_tls_key"}}) {
    std::vector<std::string> argv = {"/usr/bin/env", "ochopod_binding=solo", OCHOPOD_BIN, "run"};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.insert(argv.end(), {"--", "/bin/true"});
    const CliRun r = run_cli(argv);
    EXPECT_EQ(r.code, 2) << describe(r);
    EXPECT_TRUE(contains(r.err, words)) << describe(r);
  }
  const CliRun r =
      ochopod_with_env({"ochopod_binding=solo", "ochopod_token= "}, {"run", "--", "/bin/true"});
  EXPECT_EQ(r.code, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, "ochopod_token is empty")) << describe(r);
}

}  // namespace
}  // namespace ochopod::test
