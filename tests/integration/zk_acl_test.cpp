// ZooKeeper ACLs and credential discipline, end to end (issue 12): pods with
// credentials protect their cluster's nodes (--zk-acl read / private), a
// kazoo client without the credentials reads them or not but never writes,
// a pod without credentials facing them says so and keeps serving, and the
// password reaches no log line, registration, /info or child environment.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <chrono>
#include <fstream>
#include <sstream>

#include "cli_ops_fixture.h"
#include "harness/cluster_probe.h"
#include "harness/run_capture.h"
#include "harness/spawn.h"
#include "harness/zk_fixture.h"

namespace ochopod::test {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

constexpr auto kFormation = 15s;  // JVM-side session set-up plus slack on a loaded machine
constexpr const char* kUser = "ocho";
constexpr const char* kPassword = "s3cret-PW-7f1d";

// Walks the tree from argv[2] as one kazoo client (authenticated as argv[3]
// if not empty) and tries, on every node it can list, get, children, the ACL
// and, with argv[4] == "1", set and then delete (leaves first, so a delete
// that should be refused but is not shows on the first leaf). Prints
// {path: {"get": "ok"|"<ZooKeeper error>", ...}}.
constexpr const char* kWalk = R"PY(
import json, logging, sys
logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
from kazoo.client import KazooClient
from kazoo.exceptions import ZookeeperError
hosts, root, auth, write = sys.argv[1:5]
client = KazooClient(hosts=hosts, timeout=10.0)
client.start(timeout=15)
if auth:
    client.add_auth('digest', auth)
out = {}
def attempt(call):
    try:
        call()
        return 'ok'
    except ZookeeperError as e:
        return type(e).__name__
def walk(path):
    r, kids = {}, []
    r['get'] = attempt(lambda: client.get(path))
    r['children'] = attempt(lambda: kids.extend(client.get_children(path)))
    try:
        r['acl'] = sorted('%s:%s:%d' % (a.id.scheme, a.id.id, a.perms)
                          for a in client.get_acls(path)[0])
    except ZookeeperError as e:
        r['acl'] = type(e).__name__
    if write == '1':
        r['set'] = attempt(lambda: client.set(path, b'intruder'))
    out[path] = r
    for kid in kids:
        walk(path + '/' + kid)
    if write == '1':
        r['delete'] = attempt(lambda: client.delete(path))
walk(root)
print(json.dumps(out))
client.stop()
client.close()
)PY";

json kazoo_walk(const std::string& zk, const std::string& root, const std::string& auth,
                bool write) {
  const auto r =
      run_capture({"/usr/bin/python3", "-c", kWalk, zk, root, auth, write ? "1" : "0"}, 60s);
  if (!r.exited_ok()) throw KazooError("kazoo walk of " + root + ": " + r.err);
  return json::parse(r.out);
}

std::string digest_of(const std::string& user, const std::string& password) {
  const auto r = run_capture({"/usr/bin/python3", "-c",
                              "import sys\nfrom kazoo.security import make_digest_acl_credential "
                              "as m\nprint(m(sys.argv[1], sys.argv[2]))",
                              user, password},
                             30s);
  if (!r.exited_ok()) throw KazooError("kazoo digest: " + r.err);
  return r.out.substr(0, r.out.find('\n'));
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class ZkAclEndToEnd : public ZkTest {
 protected:
  std::string credentials() const { return std::string(kUser) + ":" + kPassword; }
  std::string zk_with_credentials() const {
    return "zk://" + credentials() + "@" + zk.connect_string();
  }
  PodSpec protected_spec(const std::string& acl) const {
    return PodSpec(zk_with_credentials()).with_option("--zk-acl=" + acl);
  }
  // One pod with credentials, registered, leading, its cluster configured
  // (the snapshot written): every kind of node exists.
  std::unique_ptr<PodProcess> formed(const PodSpec& spec) {
    auto pod = std::make_unique<PodProcess>(spec);
    EXPECT_TRUE(wait_until(
        [&] {
          const auto info = pod_info(pod->control_port());
          return info && (*info)["state"] == "leader" && (*info)["process"] == "running";
        },
        kFormation, "the pod with credentials leading, its child running"))
        << pod->output();
    return pod;
  }
};

TEST_F(ZkAclEndToEnd, WithCredentialsOthersReadEveryNodeButCannotSetOrDeleteAny) {
  const auto pod = formed(protected_spec("read"));
  ASSERT_TRUE(wait_until(
      [&] { return kazoo_get(zk.connect_string(), cluster_path() + "/snapshot").has_value(); },
      kFormation, "the leader's snapshot"));
  const json walk = kazoo_walk(zk.connect_string(), cluster_path(), "", true);
  ASSERT_TRUE(walk.contains(cluster_path() + "/snapshot")) << walk.dump(2);
  ASSERT_TRUE(walk.contains(cluster_path() + "/hash")) << walk.dump(2);
  ASSERT_EQ(kazoo_children(zk.connect_string(), cluster_path() + "/pods")->size(), 1u);
  ASSERT_EQ(lock_nodes(zk.connect_string()).size(), 1u);
  ASSERT_EQ(walk.size(), 7u) << "cluster, pods, its node, hash, coordinator, lock, snapshot\n"
                             << walk.dump(2);
  for (const auto& [path, r] : walk.items()) {
    EXPECT_EQ(r["get"], "ok") << path;
    EXPECT_EQ(r["children"], "ok") << path;
    EXPECT_EQ(r["set"], "NoAuthError") << path;
    // The cluster's own node sits in the open /ochopod/clusters: ZooKeeper
    // would let anyone delete it once empty, which takes the credentials.
    EXPECT_EQ(r["delete"], path == cluster_path() ? "NotEmptyError" : "NoAuthError") << path;
  }
  // ZooKeeper shows digest ids only to those who may administer the node.
  const json acl = {"digest:" + digest_of(kUser, kPassword) + ":31", "world:anyone:1"};
  const json inside = kazoo_walk(zk.connect_string(), cluster_path(), credentials(), false);
  ASSERT_EQ(inside.size(), 7u) << inside.dump(2);
  for (const auto& [path, r] : inside.items()) EXPECT_EQ(r["acl"], acl) << path;
  // The shared ancestors stay open for other clusters' homes.
  EXPECT_TRUE(kazoo_create(zk.connect_string(), "/ochopod/clusters/local.other/pods", ""));
  EXPECT_TRUE(pod_info(pod->control_port())) << "the pod stopped answering";
}

TEST_F(ZkAclEndToEnd, PrivateNodesCannotEvenBeReadWithoutTheCredentials) {
  const auto pod = formed(protected_spec("private"));
  ASSERT_TRUE(wait_until(
      [&] {
        return kazoo_walk(zk.connect_string(), cluster_path(), credentials(), false)
            .contains(cluster_path() + "/snapshot");
      },
      kFormation, "the leader's snapshot"));
  const json outside = kazoo_walk(zk.connect_string(), cluster_path(), "", true);
  ASSERT_EQ(outside.size(), 1u) << "listed a private node's children\n" << outside.dump(2);
  const json& root = outside[cluster_path()];
  EXPECT_EQ(root["get"], "NoAuthError");
  EXPECT_EQ(root["children"], "NoAuthError");
  EXPECT_EQ(root["set"], "NoAuthError");
  EXPECT_EQ(root["delete"], "NotEmptyError");
  // With them, every node reads, and holds only the digest entry.
  const json inside = kazoo_walk(zk.connect_string(), cluster_path(), credentials(), false);
  ASSERT_EQ(inside.size(), 7u) << inside.dump(2);
  const json acl = {"digest:" + digest_of(kUser, kPassword) + ":31"};
  for (const auto& [path, r] : inside.items()) {
    EXPECT_EQ(r["get"], "ok") << path;
    EXPECT_EQ(r["acl"], acl) << path;
  }
  // The operator commands authenticate with the address' credentials.
  const CliRun ls = ochopod_ops(zk_with_credentials(), {"ls", "-j"});
  ASSERT_EQ(ls.code, 0) << describe(ls);
  EXPECT_EQ(ls.json()["local.test"]["total"], 1) << ls.out;
  EXPECT_EQ(ls.err.find(kPassword), std::string::npos) << ls.err;
  const CliRun refused = ochopod_ops(zk.connect_string(), {"ls", "-j"});
  EXPECT_NE(refused.code, 0) << describe(refused);
  EXPECT_NE(refused.err.find("give its credentials as zk://user:pass@"), std::string::npos)
      << describe(refused);
}

TEST_F(ZkAclEndToEnd, APodWithoutTheCredentialsSaysSoAndKeepsServing) {
  const auto owner = formed(protected_spec("read"));
  // No credentials, then the wrong ones: the same refusal.
  for (const std::string& zk_address :
       {zk.connect_string(), "zk://ocho:wr0ngPW@" + zk.connect_string()}) {
    PodProcess outsider(PodSpec(zk_address).with_option("--zk-acl=open"));
    const std::string refusal = "ZooKeeper refused to create or change the nodes under " +
                                cluster_path() +
                                " (not authenticated): this cluster's nodes "
                                "are protected by an ACL, give its credentials as "
                                "zk://user:pass@";
    ASSERT_TRUE(wait_until([&] { return log_has(outsider.control_port(), refusal); }, kFormation,
                           "the refused pod's error line"))
        << outsider.output();
    EXPECT_TRUE(pod_info(outsider.control_port())) << "the refused pod stopped answering";
    EXPECT_TRUE(outsider.running());
    EXPECT_EQ(registrations(zk.connect_string()).size(), 1u) << "the outsider registered";
    EXPECT_EQ(outsider.output().find("wr0ngPW"), std::string::npos) << outsider.output();
  }
  // Asking for an ACL without credentials to give it is a usage error.
  PodProcess asking(PodSpec(zk.connect_string()).with_option("--zk-acl=read"));
  const auto status = asking.wait_exit(10s);
  ASSERT_TRUE(status) << "ochopod run --zk-acl=read without credentials kept running";
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 2) << describe_status(*status);
  EXPECT_EQ(asking.output(),
            "ochopod run: ochopod_zk_acl=read needs ZooKeeper credentials "
            "(ochopod_zk=zk://user:pass@hosts)\n");
}

TEST_F(ZkAclEndToEnd, ThePasswordReachesNoLogLineRegistrationInfoOrChildEnvironment) {
  PodSpec spec = protected_spec("read").with_option("--pipe").with_child(
      {"/bin/sh", "-c", "env > child.env; echo child up; exec sleep 3600"});
  const auto pod = formed(spec);
  ASSERT_TRUE(wait_until([&] { return log_has(pod->control_port(), "child up"); }, kFormation,
                         "the child's environment written"));
  const std::string child_env = read_file(pod->dir() + "/child.env");
  EXPECT_NE(child_env.find("\nochopod_zk=" + zk.connect_string() + "\n"), std::string::npos)
      << child_env;
  EXPECT_EQ(child_env.find(kPassword), std::string::npos) << child_env;
  const auto reg = registration_of(zk.connect_string(), pod->control_port());
  ASSERT_TRUE(reg);
  EXPECT_EQ(reg->payload["zk"], zk.connect_string());
  EXPECT_EQ(reg->payload.dump().find(kPassword), std::string::npos) << reg->payload.dump();
  const auto info = pod_info(pod->control_port());
  ASSERT_TRUE(info);
  EXPECT_EQ(info->dump().find(kPassword), std::string::npos) << info->dump();
  const auto log = http_post(pod->control_port(), "/log");
  EXPECT_EQ(log.body.find(kPassword), std::string::npos) << log.body;
  EXPECT_EQ(pod->output().find(kPassword), std::string::npos) << pod->output();
  // --help echoes no value of the environment.
  PodProcess help({"run", "--help"}, spec.environment());
  ASSERT_TRUE(help.wait_exit(10s));
  EXPECT_NE(help.output().find("--zk-acl"), std::string::npos) << help.output();
  EXPECT_EQ(help.output().find(kPassword), std::string::npos) << help.output();
}

}  // namespace
}  // namespace ochopod::test
