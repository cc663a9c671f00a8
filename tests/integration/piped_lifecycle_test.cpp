// docs/lifecycle.md, "What each request does": what each /control task does to a Piped pod
// and what it answers, with real child processes.
#include <stdexcept>

#include "piped_fixture.h"

namespace ochopod::test {
namespace {

using PipedLifecycle = PipedFixture;

TEST_F(PipedLifecycle, OnWithPayloadConfiguresAndStartsTheChild) {
  make();
  EXPECT_EQ(request("on", payload()).code, 200);
  EXPECT_EQ(process(), "running");
  EXPECT_NE(controller->child_pid(), 0);
  EXPECT_EQ(controller->children_started(), 1);
  EXPECT_EQ(pod.last_index.load(), 1);  // "b" among a, b, c
  EXPECT_TRUE(logged("child #1 started (pid " + std::to_string(controller->child_pid()) + ")"));
}

TEST_F(PipedLifecycle, UnknownTaskIs400) {
  make();
  EXPECT_EQ(request("reboot").code, 400);
}

TEST_F(PipedLifecycle, InitializeRunsOnceAtTheFirstOn) {
  make();
  EXPECT_EQ(pod.initialized.load(), 0);
  EXPECT_EQ(request("on", payload()).code, 200);
  EXPECT_EQ(request("off").code, 200);
  EXPECT_EQ(request("on", payload()).code, 200);
  EXPECT_EQ(request("on").code, 200);
  EXPECT_EQ(pod.initialized.load(), 1);
}

TEST_F(PipedLifecycle, OnWithoutAnyCommandIs406AndThePodLivesOn) {
  make();
  EXPECT_EQ(request("on").code, 406);
  // A body that is not a configuration payload counts as no payload.
  EXPECT_EQ(request("on", json{{"hello", 1}}).code, 406);
  EXPECT_EQ(process(), "stopped");
  EXPECT_EQ(controller->children_started(), 0);
  EXPECT_EQ(pod.finalized.load(), 0);
  EXPECT_EQ(request("on", payload()).code, 200);
  EXPECT_EQ(process(), "running");
  EXPECT_EQ(pod.initialized.load(), 1);
}

TEST_F(PipedLifecycle, CheckRunsCanConfigure) {
  std::atomic<bool> refuse{true};
  pod.on_can_configure = [&](const Cluster&) {
    if (refuse) throw std::runtime_error("not enough peers");
  };
  make();
  EXPECT_EQ(request("check", payload()).code, 406);
  EXPECT_EQ(process(), "stopped");
  EXPECT_EQ(pod.configured_calls.load(), 0);
  refuse = false;
  EXPECT_EQ(request("check", payload()).code, 200);
  // Without a usable payload there is nothing to check.
  EXPECT_EQ(request("check").code, 406);
  EXPECT_EQ(request("check", json{{"pods", 3}}).code, 406);
  EXPECT_EQ(pod.finalized.load(), 0);
  EXPECT_EQ(request("on", payload()).code, 200);
}

TEST_F(PipedLifecycle, CanConfigureFailureChangesNothingForARunningChild) {
  pod.on_can_configure = [](const Cluster&) { throw std::runtime_error("no"); };
  make();
  ASSERT_EQ(request("on", payload()).code, 200);
  const pid_t pid = controller->child_pid();
  EXPECT_EQ(request("check", payload()).code, 406);
  EXPECT_EQ(controller->child_pid(), pid);
  EXPECT_EQ(process(), "running");
}

TEST_F(PipedLifecycle, ConfigureThrowingIs406AndThePodDies) {
  pod.on_configure = [](const Cluster&) { throw std::runtime_error("bad config"); };
  make();
  EXPECT_EQ(request("on", payload()).code, 406);
  EXPECT_EQ(process(), "dead");
  EXPECT_EQ(pod.finalized.load(), 1);
  EXPECT_EQ(request("on", payload()).code, 410);
}

TEST_F(PipedLifecycle, InitializeThrowingIs406AndThePodDies) {
  pod.on_initialize = [] { throw std::runtime_error("no disk"); };
  make();
  EXPECT_EQ(request("on", payload()).code, 406);
  EXPECT_EQ(process(), "dead");
  EXPECT_EQ(request("check", payload()).code, 410);
}

TEST_F(PipedLifecycle, SpawnFailureIs406DeadAndLeavesNoZombie) {
  pod.command = "/nonexistent/binary --flag";
  make();
  EXPECT_EQ(request("on", payload()).code, 406);
  EXPECT_EQ(process(), "dead");
  EXPECT_TRUE(wait_until([] { return our_zombies() == 0; }, 3000ms, "no zombie left"));
}

TEST_F(PipedLifecycle, ExecFailureAfterForkLeavesNoZombieNorStuckLock) {
  // Passes the parent's checks (an executable file) but execve fails: ENOEXEC.
  const auto script = dir / "not-a-program";
  {
    std::ofstream(script) << "\x7f"
                          << "ELF garbage";
  }
  std::filesystem::permissions(script, std::filesystem::perms::owner_all);
  pod.command = script.string();
  make();
  EXPECT_EQ(request("on", payload()).code, 406);
  EXPECT_EQ(process(), "dead");
  EXPECT_TRUE(wait_until([] { return our_zombies() == 0; }, 3000ms, "no zombie left"));
  // The reaper's lock is free: another pod machinery can still spawn.
  PipedController other(pod, PipedController::Context{loop, hints, reaper, true, ""});
  pod.command = "sleep 1000";
  ControlReply reply;
  loop.run_sync([&] { reply = other.handle(ControlRequest{"on", make_payload(payload())}); });
  EXPECT_EQ(reply.code, 200);
  loop.run_sync([&] { other.handle(ControlRequest{"off", nullptr}); });
}

TEST_F(PipedLifecycle, BadWorkingDirectoryIs406AndDead) {
  pod.cwd = "/nonexistent/dir";
  make();
  EXPECT_EQ(request("on", payload()).code, 406);
  EXPECT_EQ(process(), "dead");
}

TEST_F(PipedLifecycle, OchopodStartFalseSkipsOnlyTheFirstLeaderStart) {
  make(/*start=*/false);
  EXPECT_EQ(request("on", payload()).code, 200);
  EXPECT_EQ(pod.configured_calls.load(), 1);
  EXPECT_EQ(controller->children_started(), 0);
  EXPECT_EQ(process(), "stopped");
  EXPECT_EQ(request("on", payload()).code, 200);  // the second leader `on` starts it
  EXPECT_EQ(controller->children_started(), 1);
  EXPECT_EQ(process(), "running");
}

TEST_F(PipedLifecycle, OchopodStartFalseThenManualOnStarts) {
  make(/*start=*/false);
  EXPECT_EQ(request("on", payload()).code, 200);
  EXPECT_EQ(controller->children_started(), 0);
  EXPECT_EQ(request("on").code, 200);
  EXPECT_EQ(controller->children_started(), 1);
}

TEST_F(PipedLifecycle, OnWhileRunningDoesNotRestartWithSameDependencies) {
  make();
  ASSERT_EQ(request("on", payload()).code, 200);
  const pid_t pid = controller->child_pid();
  // The cluster scaled up: same dependencies, no restart.
  EXPECT_EQ(request("on", payload(json::object(), "b", {"a", "b", "c", "d"})).code, 200);
  EXPECT_EQ(request("on").code, 200);
  EXPECT_EQ(controller->child_pid(), pid);
  EXPECT_EQ(controller->children_started(), 1);
  EXPECT_EQ(pod.configured_calls.load(), 1);
  // ... but the child can re-read the new cluster.
  const auto cluster = json::parse(read_file(controller->cluster_file()));
  EXPECT_EQ(cluster["size"], 4);
}

TEST_F(PipedLifecycle, OnWhileRunningRestartsWhenDependenciesChange) {
  pod.grace = std::chrono::duration<double>(2.0);
  make();
  const json deps1 = {{"zk", {{"x", {{"ip", "10.0.0.1"}}}}}};
  const json deps2 = {{"zk", {{"y", {{"ip", "10.0.0.2"}}}}}};
  ASSERT_EQ(request("on", payload(deps1)).code, 200);
  const pid_t pid = controller->child_pid();
  EXPECT_EQ(request("on", payload(deps1)).code, 200);
  EXPECT_EQ(controller->child_pid(), pid);
  EXPECT_EQ(request("on", payload(deps2)).code, 200);
  EXPECT_NE(controller->child_pid(), pid);
  EXPECT_NE(controller->child_pid(), 0);
  EXPECT_FALSE(group_alive(pid));
  EXPECT_EQ(pod.configured_calls.load(), 2);
}

TEST_F(PipedLifecycle, StrictRestartsAtEveryLeaderOn) {
  pod.strict = true;
  pod.grace = std::chrono::duration<double>(2.0);
  make();
  ASSERT_EQ(request("on", payload()).code, 200);
  const pid_t pid = controller->child_pid();
  EXPECT_EQ(request("on").code, 200);  // no payload: nothing to reconfigure
  EXPECT_EQ(controller->child_pid(), pid);
  EXPECT_EQ(request("on", payload()).code, 200);
  EXPECT_NE(controller->child_pid(), pid);
  EXPECT_EQ(controller->children_started(), 2);
}

TEST_F(PipedLifecycle, OffStopsTheChildAndStaysConfigured) {
  make();
  ASSERT_EQ(request("on", payload()).code, 200);
  EXPECT_EQ(request("off").code, 200);
  EXPECT_EQ(process(), "stopped");
  EXPECT_EQ(controller->child_pid(), 0);
  EXPECT_EQ(request("off").code, 200);  // nothing to stop: still fine
  EXPECT_EQ(request("on").code, 200);
  EXPECT_EQ(process(), "running");
  EXPECT_EQ(pod.configured_calls.load(), 1);
}

TEST_F(PipedLifecycle, OkCallsConfigured) {
  std::atomic<bool> fail{false};
  std::atomic<int> calls{0};
  pod.on_configured = [&](const Cluster&) {
    ++calls;
    if (fail) throw std::runtime_error("boom");
  };
  make();
  EXPECT_EQ(request("ok", payload()).code, 200);
  fail = true;
  EXPECT_EQ(request("ok", payload()).code, 500);
  EXPECT_EQ(calls.load(), 2);
  EXPECT_NE(process(), "dead");
}

TEST_F(PipedLifecycle, SignalAnswersWithTheCallbacksObject) {
  std::atomic<int> seen_pid{-1};
  pod.on_signal = [&](const json& js, const Process* p) -> std::optional<json> {
    seen_pid = p ? p->pid : 0;
    if (js.contains("fail")) throw std::runtime_error("cannot");
    if (js.contains("quiet")) return std::nullopt;
    return json{{"echo", js}};
  };
  make();
  auto reply = request("signal", json{{"x", 1}});
  EXPECT_EQ(reply.code, 200);
  EXPECT_EQ(reply.body, (json{{"echo", {{"x", 1}}}}));
  EXPECT_EQ(seen_pid.load(), 0);  // no child: null process
  ASSERT_EQ(request("on", payload()).code, 200);
  reply = request("signal", json{{"quiet", true}});
  EXPECT_EQ(reply.code, 200);
  EXPECT_EQ(reply.body, json::object());
  EXPECT_EQ(seen_pid.load(), controller->child_pid());
  EXPECT_EQ(request("signal", json{{"fail", true}}).code, 500);
  EXPECT_EQ(process(), "running");
}

TEST_F(PipedLifecycle, KillStopsFinalizesAndEveryRequestIs410) {
  make();
  ASSERT_EQ(request("on", payload()).code, 200);
  const pid_t pid = controller->child_pid();
  EXPECT_EQ(request("kill").code, 200);
  EXPECT_EQ(process(), "dead");
  EXPECT_FALSE(group_alive(pid));
  EXPECT_EQ(pod.finalized.load(), 1);
  for (const char* task : {"check", "on", "off", "ok", "kill", "signal"}) {
    EXPECT_EQ(request(task, payload()).code, 410) << task;
  }
  EXPECT_EQ(pod.finalized.load(), 1);
}

TEST_F(PipedLifecycle, ShutdownStopsTheChildAndFinalizes) {
  make();
  ASSERT_EQ(request("on", payload()).code, 200);
  const pid_t pid = controller->child_pid();
  loop.run_sync([&] { controller->shutdown(std::chrono::steady_clock::time_point::max()); });
  EXPECT_EQ(process(), "dead");
  EXPECT_FALSE(group_alive(pid));
  EXPECT_EQ(pod.finalized.load(), 1);
}

}  // namespace
}  // namespace ochopod::test
