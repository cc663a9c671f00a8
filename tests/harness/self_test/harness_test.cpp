// Self-tests of the integration harness (tests/harness): each fixture against
// the real thing it wraps (ZooKeeper, kazoo, processes, HTTP), so a failing
// integration test can trust its tools.
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <algorithm>
#include <filesystem>
#include <regex>
#include <set>

#include "harness/cluster_probe.h"
#include "harness/files.h"
#include "harness/four_letter.h"
#include "harness/http.h"
#include "harness/kazoo.h"
#include "harness/kazoo_holder.h"
#include "harness/pod_process.h"
#include "harness/pod_spec.h"
#include "harness/ports.h"
#include "harness/proc_tree.h"
#include "harness/run_capture.h"
#include "harness/temp_dir.h"
#include "harness/wait.h"
#include "harness/zk_fixture.h"
#include "harness/zk_server.h"

namespace ochopod::test {
namespace {

// The suites' names start with "Harness" so --gtest_filter='Harness*' runs them all.
class HarnessZkTest : public ZkTest {};

// --- small pieces ---------------------------------------------------------

TEST(HarnessTempDir, CreatedThenRemovedWithContent) {
  std::filesystem::path kept;
  {
    TempDir dir;
    kept = dir.path();
    ASSERT_TRUE(std::filesystem::is_directory(kept));
    std::filesystem::create_directories(kept / "a" / "b");
    write_text(dir.file("a/b/c.txt"), "x");
    EXPECT_EQ(read_text(dir.file("a/b/c.txt")), "x");
  }
  EXPECT_FALSE(std::filesystem::exists(kept));
}

TEST(HarnessPorts, DistinctAndBindable) {
  const auto ports = free_ports(5);
  ASSERT_EQ(ports.size(), 5u);
  EXPECT_EQ(std::set<int>(ports.begin(), ports.end()).size(), 5u);
  for (int p : ports) EXPECT_GT(p, 0);
  EXPECT_GT(free_port(), 0);
}

TEST(HarnessFiles, LastLines) {
  EXPECT_EQ(last_lines("a\nb\nc\n", 2), "b\nc\n");
  EXPECT_EQ(last_lines("a\nb\nc", 5), "a\nb\nc");
  EXPECT_EQ(last_lines("", 3), "");
}

TEST(HarnessRun, CapturesBothStreamsAndExit) {
  const auto r = run_capture({"/bin/sh", "-c", "echo out; echo err >&2; exit 4"}, 5s);
  ASSERT_TRUE(r.status.has_value());
  EXPECT_FALSE(r.timed_out);
  EXPECT_TRUE(WIFEXITED(*r.status));
  EXPECT_EQ(WEXITSTATUS(*r.status), 4);
  EXPECT_EQ(r.out, "out\n");
  EXPECT_EQ(r.err, "err\n");
}

TEST(HarnessRun, KillsOnTimeout) {
  const auto start = std::chrono::steady_clock::now();
  const auto r = run_capture({"/bin/sleep", "30"}, 300ms);
  EXPECT_TRUE(r.timed_out);
  EXPECT_FALSE(r.status.has_value());
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

TEST(HarnessRun, MissingProgramThrows) {
  EXPECT_THROW(run_capture({"/nonexistent/program"}, 1s), std::system_error);
}

// --- ZooKeeper server -------------------------------------------------------

TEST(HarnessZk, StartsAndAnswersRuok) {
  ZkServer zk;
  const auto start = std::chrono::steady_clock::now();
  zk.start();
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - start);
  RecordProperty("zk_start_ms", std::to_string(took.count()));
  EXPECT_TRUE(zk.running());
  EXPECT_EQ(zk.four_letter("ruok"), "imok");
  EXPECT_EQ(zk.connect_string(), "127.0.0.1:" + std::to_string(zk.port()));
  EXPECT_NE(zk.four_letter("conf").find("dataDir=" + zk.data_dir()), std::string::npos);
  // The settings tests rely on.
  const std::string conf = zk.four_letter("conf");
  EXPECT_NE(conf.find("tickTime=500"), std::string::npos) << conf;
  EXPECT_NE(conf.find("minSessionTimeout=1000"), std::string::npos) << conf;
  EXPECT_NE(conf.find("maxClientCnxns=0"), std::string::npos) << conf;

  zk.stop();
  EXPECT_FALSE(zk.running());
  EXPECT_EQ(four_letter(zk.port(), "ruok", 500ms), "");
}

TEST_F(HarnessZkTest, MntrHasCounters) {
  const auto m = zk.mntr();
  ASSERT_TRUE(m.count("zk_packets_received")) << zk.four_letter("mntr");
  EXPECT_EQ(m.at("zk_server_state"), "standalone");
  ASSERT_TRUE(kazoo_set(zk.connect_string(), "/mntr-probe", "x"));
  EXPECT_GT(std::stoll(zk.mntr().at("zk_znode_count")), std::stoll(m.at("zk_znode_count")));
}

TEST(HarnessZk, GracefulStopThenStartAgain) {
  ZkServer zk;
  zk.start();
  ASSERT_TRUE(kazoo_set(zk.connect_string(), "/persist", "v"));
  const int port = zk.port();
  zk.stop_gracefully();
  EXPECT_FALSE(zk.running());
  EXPECT_EQ(four_letter(port, "ruok", 500ms), "");
  zk.start();
  EXPECT_EQ(zk.port(), port);
  auto node = kazoo_get(zk.connect_string(), "/persist");
  ASSERT_TRUE(node);
  EXPECT_EQ(node->data, "v");
}

// --- kazoo one-shot ---------------------------------------------------------

TEST_F(HarnessZkTest, KazooRoundTrip) {
  const std::string z = zk.connect_string();
  EXPECT_FALSE(kazoo_get(z, "/rt/a"));
  EXPECT_FALSE(kazoo_children(z, "/rt"));

  ASSERT_TRUE(kazoo_set(z, "/rt/a", "hello"));  // creates /rt too
  auto a = kazoo_get(z, "/rt/a");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->data, "hello");
  EXPECT_EQ(a->version, 0);
  EXPECT_EQ(a->ephemeral_owner, 0);

  ASSERT_TRUE(kazoo_set(z, "/rt/a", ""));  // empty data on an existing node
  a = kazoo_get(z, "/rt/a");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->data, "");
  EXPECT_EQ(a->version, 1);

  static constexpr char kBytes[] = "\0\x01\xff'\"\n\\ ) import os";
  const std::string binary(kBytes, sizeof kBytes - 1);  // the NUL terminator excluded
  ASSERT_TRUE(kazoo_create(z, "/rt/b", binary));
  auto b = kazoo_get(z, "/rt/b");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->data, binary);
  EXPECT_FALSE(kazoo_create(z, "/rt/b", "again")) << "create must refuse an existing node";

  ASSERT_TRUE(kazoo_create(z, "/rt/empty", ""));
  auto e = kazoo_get(z, "/rt/empty");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->data, "");

  // Paths with characters that would break naive quoting.
  const std::string odd = "/rt/it's \"odd\"";
  ASSERT_TRUE(kazoo_set(z, odd, "q"));
  auto children = kazoo_children(z, "/rt");
  ASSERT_TRUE(children);
  std::sort(children->begin(), children->end());
  EXPECT_EQ(*children, (std::vector<std::string>{"a", "b", "empty", "it's \"odd\""}));

  EXPECT_FALSE(kazoo_delete(z, "/rt")) << "non-recursive delete of a parent must refuse";
  EXPECT_TRUE(kazoo_delete(z, "/rt/a"));
  EXPECT_FALSE(kazoo_delete(z, "/rt/a"));
  EXPECT_TRUE(kazoo_delete(z, "/rt", true));
  EXPECT_FALSE(kazoo_children(z, "/rt"));
}

TEST_F(HarnessZkTest, KazooEphemeralHolder) {
  const std::string z = zk.connect_string();
  KazooEphemeralHolder holder(z, "/eph/pods/node.", R"({"x": 1})", /*sequential=*/true);
  ASSERT_TRUE(holder.wait_created(15s)) << holder.log();
  EXPECT_TRUE(std::regex_match(holder.node(), std::regex(R"(/eph/pods/node\.\d{10})")))
      << holder.node();
  EXPECT_NE(holder.session_id(), 0);

  auto node = kazoo_get(z, holder.node());
  ASSERT_TRUE(node);
  EXPECT_EQ(node->data, R"({"x": 1})");
  EXPECT_NE(node->ephemeral_owner, 0);
  EXPECT_EQ(node->ephemeral_owner, holder.session_id());

  // An ephemeral made by a one-shot call dies with that call's session.
  EXPECT_TRUE(kazoo_create(z, "/eph/short", "", /*ephemeral=*/true));
  EXPECT_FALSE(kazoo_get(z, "/eph/short"));

  EXPECT_TRUE(holder.release());
  EXPECT_FALSE(holder.running());
  EXPECT_FALSE(kazoo_get(z, holder.node())) << "a clean release closes the session";
}

TEST_F(HarnessZkTest, KazooKilledHolderLeavesSessionToExpire) {
  const std::string z = zk.connect_string();
  // Long enough for a one-shot kazoo read (a python start) on a loaded machine.
  KazooEphemeralHolder holder(z, "/crash/node", "", false, 5000ms);
  ASSERT_TRUE(holder.wait_created(15s)) << holder.log();
  holder.kill();
  // Still there right after the crash, gone once the server expires it.
  EXPECT_TRUE(kazoo_get(z, "/crash/node"));
  EXPECT_TRUE(wait_until([&] { return !kazoo_get(z, "/crash/node"); }, 2 * 5000ms + 5s,
                         "the crashed session's ephemeral node to expire"));
}

TEST_F(HarnessZkTest, LockHolderUsesKazooRecipe) {
  const std::string z = zk.connect_string();
  const std::string lock = "/ochopod/clusters/local.lock/coordinator";
  KazooLockHolder first(z, lock, "first");
  ASSERT_TRUE(first.wait_acquired(15s)) << first.log();
  EXPECT_TRUE(std::regex_match(first.node(), std::regex(R"([0-9a-f]{32}__lock__\d{10})")))
      << first.node();
  auto child = kazoo_get(z, lock + "/" + first.node());
  ASSERT_TRUE(child);
  EXPECT_EQ(child->data, "first");
  EXPECT_EQ(child->ephemeral_owner, first.session_id());

  // A second contender queues behind the first and gets it on release.
  KazooLockHolder second(z, lock, "second");
  EXPECT_TRUE(wait_until(
      [&] {
        auto c = kazoo_children(z, lock);
        return c && c->size() == 2;
      },
      15s, "the second contender's lock node"));
  EXPECT_FALSE(second.wait_acquired(300ms)) << "two holders of one lock";
  EXPECT_TRUE(first.release());
  EXPECT_TRUE(second.wait_acquired(15s)) << second.log();
  auto children = kazoo_children(z, lock);
  ASSERT_TRUE(children);
  EXPECT_EQ(*children, std::vector<std::string>{second.node()});
}

TEST(HarnessZk, RestartKeepsDataAndSessions) {
  ZkServer zk;
  zk.start();
  const std::string z = zk.connect_string();
  ASSERT_TRUE(kazoo_set(z, "/keep/me", "persistent"));
  const std::string lock = "/keep/coordinator";
  // The session must outlive the server's restart and the client's
  // reconnection, which on a loaded 2-core machine (CI runs the suite two
  // at a time) took over 3 s once.
  constexpr auto kSessionTimeout = 6s;
  KazooLockHolder holder(z, lock, "survivor", kSessionTimeout);
  ASSERT_TRUE(holder.wait_acquired(15s)) << holder.log();
  const std::string lock_node = lock + "/" + holder.node();
  const int port = zk.port();
  const auto before = kazoo_get(z, lock_node);
  ASSERT_TRUE(before);

  zk.restart();
  EXPECT_EQ(zk.port(), port);
  EXPECT_EQ(zk.connect_string(), z);

  auto kept = kazoo_get(z, "/keep/me");
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept->data, "persistent");

  // The holder reconnects to its old session: its lock child stays, owned by
  // the same session, for longer than the session timeout.
  EXPECT_TRUE(wait_until(
      [&] {
        const std::string log = holder.log();
        const size_t suspended = log.find("state SUSPENDED");
        return suspended != std::string::npos &&
               log.find("state CONNECTED", suspended) != std::string::npos;
      },
      10s, "the holder to notice the restart and reconnect"))
      << holder.log();
  EXPECT_TRUE(stays_false(
      [&] {
        auto n = kazoo_get(z, lock_node);
        return !n || n->ephemeral_owner != holder.session_id();
      },
      2 * kSessionTimeout, "the lock child vanishing or changing owner (session timeout 6 s)"));
  EXPECT_EQ(holder.log().find("LOST"), std::string::npos) << holder.log();
  EXPECT_TRUE(holder.running());
  EXPECT_TRUE(holder.release());
  EXPECT_FALSE(kazoo_get(z, lock_node));
}

TEST_F(HarnessZkTest, KazooOutageThrowsInsteadOfLying) {
  const std::string z = zk.connect_string();
  ASSERT_TRUE(kazoo_set(z, "/here", "1"));
  zk.stop();
  set_kazoo_connect_timeout(1s);
  struct Restore {
    ~Restore() { set_kazoo_connect_timeout(10s); }
  } restore;
  EXPECT_THROW(kazoo_get(z, "/here"), KazooError) << "an outage must not read as 'no node'";
  EXPECT_THROW(kazoo_children(z, "/"), KazooError);
  EXPECT_THROW(kazoo_set(z, "/here", "2"), KazooError);
  // ignoring_errors turns the throw into "not yet" for wait_until.
  EXPECT_FALSE(ignoring_errors([&] { return kazoo_get(z, "/here").has_value(); })());
  zk.start();
  EXPECT_TRUE(wait_until(ignoring_errors([&] { return kazoo_get(z, "/here").has_value(); }), 15s,
                         "the node to be readable again"));
}

// --- processes --------------------------------------------------------------

TEST(HarnessPod, RunsProgramAndReportsExitAndOutput) {
  PodProcess p({"-c", "echo hi; echo oops >&2; exit 3"}, {}, "/bin/sh");
  const auto status = p.wait_exit(10s);
  ASSERT_TRUE(status.has_value());
  EXPECT_TRUE(WIFEXITED(*status));
  EXPECT_EQ(WEXITSTATUS(*status), 3);
  EXPECT_EQ(p.output(), "hi\noops\n");
  EXPECT_FALSE(p.running());
  EXPECT_EQ(p.wait_exit(0ms), status) << "the status is kept once reaped";
  EXPECT_FALSE(p.signal(SIGTERM)) << "no signal to a reaped pid";
}

TEST(HarnessPod, EnvironmentSignalsAndOwnGroup) {
  PodProcess p({"-c", "echo \"foo=$FOO home=$HOME pwd=$(pwd)\"; exec /bin/sleep 60"},
               {{"FOO", "bar baz"}}, "/bin/sh");
  ASSERT_TRUE(wait_until([&] { return p.output().find("foo=") != std::string::npos; }, 10s,
                         "the process to print its environment"));
  EXPECT_NE(p.output().find("foo=bar baz"), std::string::npos) << p.output();
  EXPECT_NE(p.output().find("home=" + std::string(std::getenv("HOME") ? std::getenv("HOME") : "")),
            std::string::npos)
      << "our environment is inherited: " << p.output();
  EXPECT_NE(p.output().find("pwd=" + p.dir()), std::string::npos) << p.output();
  EXPECT_EQ(::getpgid(p.pid()), p.pid()) << "leads its own process group";
  EXPECT_TRUE(p.running());
  EXPECT_FALSE(p.wait_exit(100ms));
  EXPECT_TRUE(p.signal(SIGTERM));
  const auto status = p.wait_exit(10s);
  ASSERT_TRUE(status);
  EXPECT_TRUE(WIFSIGNALED(*status));
  EXPECT_EQ(WTERMSIG(*status), SIGTERM);
}

TEST(HarnessPod, KillReachesOrphansInOtherGroups) {
  // The child escapes the group (setsid) and is orphaned when its parent dies.
  PodProcess p({"-c", "setsid /bin/sleep 300 & echo child=$!; wait"}, {}, "/bin/sh");
  std::vector<pid_t> rest;
  // The forked child sits in the shell's group until setsid() returns, so
  // wait for it to lead its own session, not merely to exist.
  ASSERT_TRUE(wait_until(
      [&] {
        rest = p.leftovers();
        return rest.size() == 1 && ::getsid(rest[0]) == rest[0] &&
               p.output().find("child=") != std::string::npos;
      },
      10s, "the child to detach into its own session"));
  EXPECT_NE(::getpgid(rest[0]), p.pid());
  ASSERT_TRUE(p.signal(SIGKILL));
  ASSERT_TRUE(p.wait_exit(10s));
  EXPECT_TRUE(alive(rest[0])) << "the orphan outlives its parent";
  EXPECT_EQ(p.leftovers(), rest);
  p.kill();
  EXPECT_TRUE(p.leftovers().empty());
  EXPECT_TRUE(wait_until([&] { return !alive(rest[0]); }, 5s, "the orphan to die"));
}

TEST(HarnessPod, DescendantsFromProc) {
  PodProcess p({"-c", "/bin/sleep 60 & /bin/sleep 61 & wait"}, {}, "/bin/sh");
  EXPECT_TRUE(wait_until([&] { return descendants(p.pid()).size() == 2; }, 10s,
                         "two children of the shell"));
  for (pid_t c : descendants(p.pid())) EXPECT_EQ(parent_of(c), p.pid());
  EXPECT_EQ(process_state(p.pid()).has_value(), true);
}

// A pod's guardian (runtime/process/guardian.h) is found by its name and
// goes with the harness's kill like any process of the pod.
TEST(HarnessPod, KillTakesThePodsGuardian) {
  PodProcess p(solo());
  std::optional<pid_t> guard;
  ASSERT_TRUE(wait_until([&] { return (guard = guardian_of(p.pid())).has_value(); }, 10s,
                         "the pod's guardian"));
  EXPECT_EQ(comm_of(*guard), "ochopod-guard");
  EXPECT_TRUE(is_guardian(*guard));
  EXPECT_FALSE(is_guardian(p.pid()));
  p.kill();
  EXPECT_TRUE(p.leftovers().empty());
  EXPECT_TRUE(wait_until([&] { return !alive(*guard); }, 5s, "the guardian gone"));
}

TEST(HarnessPod, SpecBuildsRunCommandAndEnvironment) {
  TempDir dir;
  const std::string fake = dir.file("fake-ochopod");
  write_text(fake,
             "#!/bin/sh\n"
             "env | grep -E '^(ochopod_|PORT_|EXTRA=)' | LC_ALL=C sort\n"
             "for a in \"$@\"; do echo \"arg:$a\"; done\n");
  ::chmod(fake.c_str(), 0755);

  PodProcess pod(PodSpec("127.0.0.1:2181")
                     .with_cluster("web")
                     .with_namespace("ns")
                     .with_option("--grace=1")
                     .with_option("--shell")
                     .with_child({"echo", "a b"})
                     .with_env("EXTRA", "1")
                     .with_env("ochopod_debug", "false")
                     .with_program(fake));
  ASSERT_GT(pod.control_port(), 0);
  const auto status = pod.wait_exit(10s);
  ASSERT_TRUE(status);
  EXPECT_EQ(WEXITSTATUS(*status), 0);
  const std::string port = std::to_string(pod.control_port());
  EXPECT_EQ(pod.output(),
            "EXTRA=1\n"
            "PORT_8080=" +
                port + "\n" +
                "ochopod_cluster=web\n"
                "ochopod_debug=false\n"
                "ochopod_local=true\n"
                "ochopod_namespace=ns\n"
                "ochopod_port=8080\n"
                "ochopod_session_timeout=2\n"
                "ochopod_zk=127.0.0.1:2181\n"
                "arg:run\n"
                "arg:--grace=1\n"
                "arg:--shell\n"
                "arg:--\n"
                "arg:echo\n"
                "arg:a b\n");
  EXPECT_EQ(PodSpec().child, (std::vector<std::string>{"/bin/sleep", "3600"}));
  EXPECT_EQ(PodSpec().program, std::string(OCHOPOD_BIN));
}

// --- HTTP -------------------------------------------------------------------

TEST(HarnessHttp, NoServerIsStatusZero) {
  const auto r = http_post(free_port(), "/info", "", 1s);
  EXPECT_EQ(r.status, 0);
  EXPECT_FALSE(r.error.empty());
  EXPECT_TRUE(r.json().is_null());
  EXPECT_FALSE(pod_info(free_port(), 1s));
}

TEST(HarnessHttp, TalksToARealServer) {
  // A tiny JSON echo server in python: POST answers {"path", "body", "ctype", "x"}.
  const int port = free_port();
  PodProcess server({"-c",
                     "import json, sys\n"
                     "from http.server import BaseHTTPRequestHandler, HTTPServer\n"
                     "class H(BaseHTTPRequestHandler):\n"
                     "    def do_POST(self):\n"
                     "        n = int(self.headers.get('Content-Length') or 0)\n"
                     "        body = self.rfile.read(n).decode()\n"
                     "        out = json.dumps({'path': self.path, 'body': body,\n"
                     "                          'ctype': self.headers.get('Content-Type'),\n"
                     "                          'x': self.headers.get('X-Shell')}).encode()\n"
                     "        self.send_response(201 if self.path == '/created' else 200)\n"
                     "        self.send_header('Content-Type', 'application/json')\n"
                     "        self.send_header('Content-Length', str(len(out)))\n"
                     "        self.end_headers()\n"
                     "        self.wfile.write(out)\n"
                     "    def do_GET(self):\n"
                     "        self.send_response(404)\n"
                     "        self.send_header('Content-Length', '0')\n"
                     "        self.end_headers()\n"
                     "HTTPServer(('127.0.0.1', int(sys.argv[1])), H).serve_forever()\n",
                     std::to_string(port)},
                    {}, "/usr/bin/python3");
  ASSERT_TRUE(wait_until([&] { return http_get(port, "/", 1s).status == 404; }, 15s,
                         "the python server to listen"))
      << server.output();

  auto r = http_post(port, "/info", R"({"a": 1})", 5s, {{"X-Shell", "tool arg"}});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "application/json");
  const auto j = r.json();
  ASSERT_TRUE(j.is_object()) << r.body;
  EXPECT_EQ(j["path"], "/info");
  EXPECT_EQ(j["body"], R"({"a": 1})");
  EXPECT_EQ(j["ctype"], "application/json");
  EXPECT_EQ(j["x"], "tool arg");

  r = http_post(port, "/created", "plain", 5s, {{"content-type", "text/plain"}});
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(r.json()["ctype"], "text/plain");

  const auto info = pod_info(port);
  ASSERT_TRUE(info);
  EXPECT_EQ((*info)["path"], "/info");
}

}  // namespace
}  // namespace ochopod::test
