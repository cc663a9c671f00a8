// `ochopod ui`'s command line: flags, env twins, token files and the
// combinations that are usage errors (cli/ui/options.h).
#include "cli/ui/options.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "harness/files.h"
#include "harness/temp_dir.h"

namespace ochopod::cli::ui {
namespace {

using Args = std::vector<std::string>;
using Env = std::map<std::string, std::string>;

const Env kZkEnv = {{"OCHOPOD_ZK", "zk1:2181"}};

UiOptions ok(const Args& args, const Env& env = kZkEnv) {
  const UiParse p = parse_ui_options(args, env);
  EXPECT_EQ(p.error, "");
  return p.options.value_or(UiOptions{});
}

std::string fails(const Args& args, const Env& env = kZkEnv) {
  const UiParse p = parse_ui_options(args, env);
  EXPECT_FALSE(p.options);
  return p.error;
}

TEST(UiOptions, Defaults) {
  const UiOptions o = ok({});
  EXPECT_EQ(o.zk, "zk1:2181");
  EXPECT_EQ(o.listen_host, "127.0.0.1");
  EXPECT_EQ(o.listen_port, 8090);
  EXPECT_EQ(o.timeout, 5);
  EXPECT_EQ(o.refresh, 1);
  EXPECT_FALSE(o.read_only);
  EXPECT_FALSE(o.help);
  EXPECT_TRUE(o.ui_token.empty());
  EXPECT_TRUE(o.trust.token.empty());
}

TEST(UiOptions, EveryFlag) {
  test::TempDir dir;
  test::write_text(dir.file("cluster"), "cluster-token\n");
  test::write_text(dir.file("ui"), "ui-token \n\n");
  test::write_text(dir.file("viewer"), "viewer-token");
  const UiOptions o = ok({"--zk",
                          "zk9:2181",
                          "--listen",
                          "[::1]:0",
                          "-t",
                          "2.5",
                          "--token-file",
                          dir.file("cluster"),
                          "--tls-ca",
                          "/ca.pem",
                          "--ui-token-file",
                          dir.file("ui"),
                          "--ui-viewer-token-file",
                          dir.file("viewer"),
                          "--read-only",
                          "--allow-host",
                          "a.example",
                          "--allow-host=b.example",
                          "--refresh",
                          "0.5"});
  EXPECT_EQ(o.zk, "zk9:2181");
  EXPECT_EQ(o.listen_host, "::1");
  EXPECT_EQ(o.listen_port, 0);
  EXPECT_EQ(o.timeout, 2.5);
  EXPECT_EQ(o.trust.token, "cluster-token");
  EXPECT_EQ(o.trust.ca_file, "/ca.pem");
  EXPECT_EQ(o.ui_token, "ui-token") << "trailing whitespace trimmed";
  EXPECT_EQ(o.ui_viewer_token, "viewer-token");
  EXPECT_TRUE(o.read_only);
  EXPECT_EQ(o.allow_hosts, (Args{"a.example", "b.example"}));
  EXPECT_EQ(o.refresh, 0.5);
}

TEST(UiOptions, EnvTwins) {
  test::TempDir dir;
  test::write_text(dir.file("ui"), "ui-token\n");
  test::write_text(dir.file("viewer"), "viewer-token\n");
  const UiOptions o = ok({}, {{"OCHOPOD_ZK", "zk2:2181"},
                              {"OCHOPOD_TOKEN", " cluster-token\n"},
                              {"OCHOPOD_TLS_CA", "/env-ca.pem"},
                              {"OCHOPOD_UI_LISTEN", "0.0.0.0:9000"},
                              {"OCHOPOD_UI_TOKEN_FILE", dir.file("ui")},
                              {"OCHOPOD_UI_VIEWER_TOKEN_FILE", dir.file("viewer")},
                              {"PATH", "/bin"}});
  EXPECT_EQ(o.zk, "zk2:2181");
  EXPECT_EQ(o.trust.token, "cluster-token");
  EXPECT_EQ(o.trust.ca_file, "/env-ca.pem");
  EXPECT_EQ(o.listen_host, "0.0.0.0");
  EXPECT_EQ(o.listen_port, 9000);
  EXPECT_EQ(o.ui_token, "ui-token");
  EXPECT_EQ(o.ui_viewer_token, "viewer-token");

  const UiOptions flags_win =
      ok({"--zk", "zk3:2181", "--listen", "127.0.0.1:1", "--tls-ca", "/flag-ca.pem"},
         {{"OCHOPOD_ZK", "zk2:2181"},
          {"OCHOPOD_UI_LISTEN", "0.0.0.0:9000"},
          {"OCHOPOD_TLS_CA", "/env-ca.pem"}});
  EXPECT_EQ(flags_win.zk, "zk3:2181");
  EXPECT_EQ(flags_win.listen_port, 1);
  EXPECT_EQ(flags_win.trust.ca_file, "/flag-ca.pem");
}

TEST(UiOptions, NonLoopbackNeedsAUiToken) {
  EXPECT_EQ(fails({"--listen", "0.0.0.0:8090"}),
            "--listen 0.0.0.0:8090 is not loopback: give --ui-token-file (or "
            "--ui-viewer-token-file)");
  EXPECT_EQ(fails({"--listen", "[fd00::1]:8090"}),
            "--listen [fd00::1]:8090 is not loopback: give --ui-token-file (or "
            "--ui-viewer-token-file)");
  test::TempDir dir;
  test::write_text(dir.file("viewer"), "v\n");
  EXPECT_EQ(
      ok({"--listen", "0.0.0.0:8090", "--ui-viewer-token-file", dir.file("viewer")}).listen_host,
      "0.0.0.0");
  EXPECT_EQ(ok({"--listen", "localhost:8090"}).listen_host, "localhost");
  EXPECT_EQ(ok({"--listen", "127.8.9.10:8090"}).listen_port, 8090);
}

TEST(UiOptions, TokenFileErrorsNameTheFileNotTheSecret) {
  test::TempDir dir;
  test::write_text(dir.file("empty"), " \n\t\n");
  const std::string empty = fails({"--ui-token-file", dir.file("empty")});
  EXPECT_NE(empty.find("--ui-token-file"), std::string::npos) << empty;
  EXPECT_NE(empty.find(dir.file("empty")), std::string::npos) << empty;
  const std::string missing = fails({"--ui-viewer-token-file", dir.file("missing")});
  EXPECT_NE(missing.find(dir.file("missing")), std::string::npos) << missing;
  EXPECT_NE(fails({"--token-file", dir.file("missing")}).find("--token-file"), std::string::npos);

  test::write_text(dir.file("same"), "s3cret-value\n");
  const std::string same =
      fails({"--ui-token-file", dir.file("same"), "--ui-viewer-token-file", dir.file("same")});
  EXPECT_EQ(same, "--ui-token-file and --ui-viewer-token-file hold the same token");
  EXPECT_EQ(same.find("s3cret"), std::string::npos);
}

TEST(UiOptions, BadValues) {
  for (const std::string bad : {"0", "-1", "x", "", "inf", "nan"}) {
    EXPECT_EQ(fails({"--refresh", bad}),
              "--refresh takes a factor > 0 (2: pods are asked half as often), not '" + bad + "'");
  }
  for (const std::string bad :
       {"8090", "127.0.0.1", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:-1", "::1:8090", "[::1]",
        "[::1]8090", "[nope]:1", ":8090", "a b:1", "127.0.0.1:80x"}) {
    EXPECT_EQ(fails({"--listen", bad}),
              "--listen takes <addr:port> (e.g. 127.0.0.1:8090 or [::1]:8090), not '" + bad + "'")
        << bad;
  }
  EXPECT_EQ(fails({}, {{"OCHOPOD_ZK", "zk:1"}, {"OCHOPOD_UI_LISTEN", "nope"}}),
            "$OCHOPOD_UI_LISTEN takes <addr:port> (e.g. 127.0.0.1:8090 or [::1]:8090), not "
            "'nope'");
  EXPECT_EQ(fails({"-t", "0"}), "-t takes a positive number of seconds, not '0'");
  EXPECT_EQ(fails({"--allow-host", ""}), "--allow-host takes a host name, not ''");
  EXPECT_EQ(fails({"--nope"}), "unknown option --nope");
  EXPECT_EQ(fails({"--read-only=yes"}), "--read-only takes no value");
  EXPECT_EQ(fails({"stray"}), "unexpected argument 'stray'");
}

TEST(UiOptions, ZooKeeperIsRequired) {
  EXPECT_EQ(fails({}, {}), "no ZooKeeper given: use --zk <hosts> or set $OCHOPOD_ZK");
  EXPECT_EQ(fails({}, {{"OCHOPOD_ZK", ""}}),
            "no ZooKeeper given: use --zk <hosts> or set $OCHOPOD_ZK");
  EXPECT_EQ(fails({"--zk", "zk://"}, {}).rfind("--zk: ", 0), 0u);
}

TEST(UiOptions, HelpNeedsNothingElse) {
  const UiParse p = parse_ui_options({"--help", "--nope"}, {});
  ASSERT_TRUE(p.options);
  EXPECT_TRUE(p.options->help);
  EXPECT_TRUE(ok({"-h"}, {}).help);
  const std::string usage = ui_usage();
  EXPECT_EQ(usage.rfind("usage: ochopod ui", 0), 0u);
  for (const char* flag :
       {"--zk", "--listen", "--timeout", "--token-file", "--tls-ca", "--ui-token-file",
        "--ui-viewer-token-file", "--read-only", "--allow-host", "--refresh", "--help"}) {
    EXPECT_NE(usage.find(flag), std::string::npos) << flag;
  }
}

TEST(UiOptions, IsLoopback) {
  for (const char* host : {"localhost", "LocalHost", "127.0.0.1", "127.255.0.9", "::1", "[::1]",
                           "0:0:0:0:0:0:0:1", "::ffff:127.0.0.1"}) {
    EXPECT_TRUE(is_loopback(host)) << host;
  }
  for (const char* host : {"", "0.0.0.0", "::", "10.0.0.1", "128.0.0.1", "localhost.evil.com",
                           "127.0.0.1.evil.com", "::2", "example.org"}) {
    EXPECT_FALSE(is_loopback(host)) << host;
  }
}

}  // namespace
}  // namespace ochopod::cli::ui
