// Piped::reconfigure(): a configuration reaching a running child lets the pod
// keep it (brought up to date in place) or restart it, whatever the
// dependencies did; `strict` still restarts; a throw fails the `on`.
#include <vector>

#include "piped_fixture.h"

namespace ochopod::test {
namespace {

class PipedReconfigure : public PipedFixture {};

const json kDeps1 = {{"zk", {{"x", {{"ip", "10.0.0.1"}}}}}};
const json kDeps2 = {{"zk", {{"y", {{"ip", "10.0.0.2"}}}}}};

TEST_F(PipedReconfigure, KeepingTheChildOnNewDependencies) {
  std::vector<bool> changes;
  std::vector<pid_t> pids;
  pod.on_reconfigure = [&](const Cluster& cluster, const Process* process, bool changed) {
    changes.push_back(changed);
    pids.push_back(process ? process->pid : 0);
    EXPECT_EQ(cluster.size, 3);
    return true;
  };
  make();
  ASSERT_EQ(request("on", payload(kDeps1)).code, 200);
  const pid_t pid = running_pid();
  EXPECT_EQ(pod.reconfigured.load(), 0) << "the first start configures, it does not reconfigure";
  EXPECT_EQ(request("on", payload(kDeps2)).code, 200);
  // The child kept, the new dependencies are the ones the next `on` compares to.
  EXPECT_EQ(request("on", payload(kDeps2)).code, 200);
  EXPECT_EQ(request("on").code, 200) << "no payload: nothing to reconfigure";
  EXPECT_EQ(changes, (std::vector<bool>{true, false}));
  EXPECT_EQ(pids, (std::vector<pid_t>{pid, pid}));
  EXPECT_EQ(controller->child_pid(), pid);
  EXPECT_EQ(controller->children_started(), 1);
  EXPECT_EQ(pod.configured_calls.load(), 1);
  EXPECT_EQ(json::parse(read_file(controller->cluster_file()))["dependencies"], kDeps2)
      << "the child can read the new dependencies";
}

TEST_F(PipedReconfigure, RefusingRestartsTheChildEvenWithTheSameDependencies) {
  pod.grace = std::chrono::duration<double>(2.0);
  pod.on_reconfigure = [](const Cluster&, const Process*, bool) { return false; };
  make();
  ASSERT_EQ(request("on", payload()).code, 200);
  const pid_t pid = running_pid();
  EXPECT_EQ(request("on", payload()).code, 200);
  EXPECT_NE(controller->child_pid(), pid);
  EXPECT_EQ(controller->children_started(), 2);
  EXPECT_EQ(pod.configured_calls.load(), 2);
  EXPECT_TRUE(logged("reconfigure() asked for it"));
}

TEST_F(PipedReconfigure, StrictRestartsWithoutAsking) {
  pod.strict = true;
  pod.grace = std::chrono::duration<double>(2.0);
  pod.on_reconfigure = [](const Cluster&, const Process*, bool) { return true; };
  make();
  ASSERT_EQ(request("on", payload()).code, 200);
  const pid_t pid = running_pid();
  EXPECT_EQ(request("on", payload()).code, 200);
  EXPECT_NE(controller->child_pid(), pid);
  EXPECT_EQ(pod.reconfigured.load(), 0);
}

TEST_F(PipedReconfigure, ThrowingIs406AndThePodDies) {
  pod.grace = std::chrono::duration<double>(2.0);
  pod.on_reconfigure = [](const Cluster&, const Process*, bool) -> bool {
    throw std::runtime_error("template peers.tmpl: {{ip}} has no value");
  };
  make();
  ASSERT_EQ(request("on", payload()).code, 200);
  const pid_t pid = running_pid();
  EXPECT_EQ(request("on", payload()).code, 406);
  EXPECT_EQ(process(), "dead");
  EXPECT_FALSE(group_alive(pid));
  EXPECT_EQ(pod.finalized.load(), 1);
  EXPECT_TRUE(logged("{{ip}} has no value"));
  EXPECT_EQ(request("on", payload()).code, 410);
}

}  // namespace
}  // namespace ochopod::test
