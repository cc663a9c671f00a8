// PipedController's rules (docs/lifecycle.md), on a manual clock and a fake
// child host: the codes of docs/protocol.md 5, the crash loop, the sanity
// checks' allowance, the replies that wait for ready() and for a drain, the
// leave-first order of `off`, and the stop's escalation. No process, no
// sleep: time moves when a test advances it.
#include "models/piped/controller.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "fake_child_host.h"
#include "harness/manual_scheduler.h"

namespace ochopod::test {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using Clock = Scheduler::Clock;
using Seconds = std::chrono::duration<double>;

// What the pod's callbacks saw and did, in order.
using Events = std::vector<std::string>;

class TestPod final : public Piped {
 public:
  TestPod(FakeChildHost& host, Events& events) : host_(host), events_(events) {}

  void initialize() override { events_.push_back("initialize"); }
  void can_configure(const Cluster&) override {
    if (refuse_check) throw std::runtime_error("not now");
  }
  Configuration configure(const Cluster&) override {
    events_.push_back("configure");
    if (fail_configure) throw std::runtime_error("bad configuration");
    return Configuration{"server --port 80", {{"MODE", "test"}}};
  }
  void configured(const Cluster&) override {
    if (fail_configured) throw std::runtime_error("configured failed");
  }
  std::optional<json> sanity_check(const Process&) override {
    ++sanity_checks;
    if (sick) throw std::runtime_error("sick");
    return json{{"load", 1}};
  }
  std::optional<json> signaled(const json& js, const Process* process) override {
    if (fail_signal) throw std::runtime_error("signal failed");
    return json{{"got", js}, {"pid", process ? process->pid : 0}};
  }
  void tear_down(const Process& process) override {
    events_.push_back("tear_down");
    torn_at.push_back(at ? at() : Clock::time_point{});
    if (honours_tear_down) host_.killed_by(process.pid, SIGTERM);
  }
  void finalize() override { events_.push_back("finalize"); }
  bool ready(const Process&) override { return is_ready; }
  bool alive(const Process&) override {
    ++alive_calls;
    return is_alive;
  }
  void pre_start() override {
    hooks.push_back("pre_start");
    if (fail_pre_start) throw std::runtime_error("pre-start failed");
  }
  void post_stop(std::optional<int> status) override {
    hooks.push_back("post_stop");
    stop_statuses.push_back(status);
  }
  bool drained(const Process&) override {
    events_.push_back("drained?");
    return is_drained;
  }

  bool refuse_check = false, fail_configure = false, fail_configured = false;
  bool fail_signal = false, sick = false;
  bool is_ready = true, is_drained = true, is_alive = true, fail_pre_start = false;
  int alive_calls = 0;
  std::vector<std::optional<int>> stop_statuses;
  Events hooks;  // pre_start and post_stop, apart from the callbacks' order above
  bool honours_tear_down = true;
  int sanity_checks = 0;
  std::function<Clock::time_point()> at;  // the clock, to date tear_down()
  std::vector<Clock::time_point> torn_at;

 private:
  FakeChildHost& host_;
  Events& events_;
};

// Answers a withdrawal when the test says so.
class FakePresence final : public Presence {
 public:
  explicit FakePresence(Events& events) : events_(events) {}
  void withdraw(std::chrono::milliseconds limit, Out out) override {
    events_.push_back("withdraw");
    limits.push_back(limit);
    pending = std::move(out);
  }
  void rejoin() override { ++rejoins; }
  void answer(bool out) {
    Out done = std::move(pending);
    pending = nullptr;
    done(out);
  }

  std::vector<std::chrono::milliseconds> limits;
  Out pending;
  int rejoins = 0;

 private:
  Events& events_;
};

class PipedControllerTest : public ::testing::Test {
 protected:
  PipedControllerTest() {
    hints.set_registered(true);
    pod.at = [this] { return loop.now(); };
  }

  void make(bool start = true, std::chrono::milliseconds leave_delay = 0ms) {
    PipedController::Context context{loop, hints, reaper, start, ""};
    context.presence = &presence;
    context.withdraw_limit = 5000ms;
    context.leave_delay = leave_delay;
    context.host = &host;
    context.end_pod = [this] { ++pod_ends; };
    controller = std::make_unique<PipedController>(pod, context);
  }

  static Payload payload(json dependencies = json::object()) {
    return make_payload(json{{"key", "pod-0"},
                             {"pods", {{"pod-0", {{"seq", 0}, {"ip", "10.0.0.1"}}}}},
                             {"dependencies", std::move(dependencies)}});
  }

  ControlReply handle(const std::string& task, Payload body = nullptr) {
    return controller->handle(ControlRequest{task, std::move(body)});
  }

  // The RequestQueue's form: the answer lands in `answer`, maybe later.
  void handle_async(const std::string& task, Payload body = nullptr,
                    std::optional<Clock::duration> timeout = std::nullopt) {
    answer.reset();
    ControlRequest request{task, std::move(body)};
    if (timeout) request.deadline = loop.now() + *timeout;
    controller->handle_async(request, [this](ControlReply reply) { answer = reply; });
  }

  // An operator's `off` or `kill`, its pod out of view at once: on to the
  // leave delay and the drain.
  void operator_stops(const std::string& task) {
    handle_async(task, nullptr, 60s);
    presence.answer(true);
    loop.run_ready();
  }

  // Starts the child through a leader's `on`; returns its pid.
  pid_t started() {
    EXPECT_EQ(handle("on", payload()).code, 200);
    return controller->child_pid();
  }

  int count(const std::string& event) const {
    return static_cast<int>(std::count(events.begin(), events.end(), event));
  }

  ManualScheduler loop;
  FakeChildHost host;
  Hints hints;
  Reaper reaper;  // unused: the fake host stands for it
  Events events;
  FakePresence presence{events};
  TestPod pod{host, events};
  // Before the controller: its destructor answers a reply still waiting.
  std::optional<ControlReply> answer;
  std::unique_ptr<PipedController> controller;
  int pod_ends = 0;  // end_pod calls: the exit policy ending the pod
};

TEST_F(PipedControllerTest, AnswersTheCodesOfTheProtocol) {
  make();
  EXPECT_EQ(handle("dance").code, 400);
  EXPECT_EQ(handle("check").code, 406) << "no payload";
  EXPECT_EQ(handle("check", payload()).code, 200);
  pod.refuse_check = true;
  EXPECT_EQ(handle("check", payload()).code, 406) << "can_configure() refused";
  EXPECT_EQ(handle("on").code, 406) << "nothing ever configured";
  EXPECT_EQ(handle("ok").code, 406) << "no payload";
  EXPECT_EQ(handle("ok", payload()).code, 200);
  pod.fail_configured = true;
  EXPECT_EQ(handle("ok", payload()).code, 500);

  const ControlReply signaled = handle("signal", make_payload(json{{"x", 1}}));
  EXPECT_EQ(signaled.code, 200);
  EXPECT_EQ(signaled.body, (json{{"got", {{"x", 1}}}, {"pid", 0}}));
  pod.fail_signal = true;
  EXPECT_EQ(handle("signal").code, 500);
}

TEST_F(PipedControllerTest, OnStartsTheChildWithItsConfiguration) {
  make();
  const pid_t pid = started();
  ASSERT_NE(pid, 0);
  ASSERT_EQ(host.children().size(), 1u);
  const auto& request = host.children()[0].request;
  EXPECT_EQ(request.argv, (std::vector<std::string>{"server", "--port", "80"}));
  std::map<std::string, std::string> env(request.env.begin(), request.env.end());
  EXPECT_EQ(env["MODE"], "test");
  EXPECT_EQ(env["OCHOPOD_CLUSTER"], controller->cluster_file());
  EXPECT_TRUE(json::parse(env["ochopod"]).is_object());
  EXPECT_EQ(events, (Events{"initialize", "configure"}));
  EXPECT_EQ(hints.process(), "running");
  EXPECT_EQ(controller->children_started(), 1);

  const ControlReply signaled = handle("signal");
  EXPECT_EQ(signaled.body["pid"], pid);
  controller->forward_signal(SIGHUP);
  EXPECT_EQ(host.signals_to(pid), std::vector<int>{SIGHUP});
}

TEST_F(PipedControllerTest, WithoutStartTheFirstLeaderOnOnlyConfigures) {
  make(false);
  EXPECT_EQ(handle("on", payload()).code, 200);
  EXPECT_EQ(count("configure"), 1);
  EXPECT_TRUE(host.children().empty());
  EXPECT_EQ(handle("on", payload()).code, 200);
  EXPECT_EQ(host.children().size(), 1u);
}

TEST_F(PipedControllerTest, AFailingConfigureShutsThePodDown) {
  make();
  pod.fail_configure = true;
  EXPECT_EQ(handle("on", payload()).code, 406);
  EXPECT_EQ(count("finalize"), 1);
  EXPECT_EQ(hints.process(), "dead");
  EXPECT_EQ(handle("check", payload()).code, 410);
}

TEST_F(PipedControllerTest, ASecondOnKeepsTheChildUnlessItsDependenciesChanged) {
  make();
  const pid_t pid = started();
  EXPECT_EQ(handle("on", payload()).code, 200);
  EXPECT_EQ(controller->child_pid(), pid) << "same dependencies: kept";
  EXPECT_EQ(handle("on", payload(json{{"db", json::object()}})).code, 200);
  EXPECT_EQ(count("tear_down"), 1);
  EXPECT_NE(controller->child_pid(), pid) << "new dependencies: restarted";
  pod.strict = true;
  const pid_t second = controller->child_pid();
  EXPECT_EQ(handle("on", payload(json{{"db", json::object()}})).code, 200);
  EXPECT_NE(controller->child_pid(), second) << "strict: restarted anyway";
}

TEST_F(PipedControllerTest, AnOnAnswersOnceTheChildIsReady) {
  make();
  pod.is_ready = false;
  handle_async("on", payload(), 60s);
  EXPECT_FALSE(answer) << "not ready yet";
  EXPECT_EQ(hints.process(), "running");
  loop.advance(1s);
  EXPECT_FALSE(answer);
  EXPECT_FALSE(hints.ready());
  pod.is_ready = true;
  loop.advance(200ms);
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->code, 200);
  EXPECT_TRUE(hints.ready()) << "serving";
  EXPECT_EQ(presence.rejoins, 1);
}

TEST_F(PipedControllerTest, AnOnNeverReadyAnswers408AtItsDeadlineAndKeepsTheChild) {
  make();
  pod.is_ready = false;
  handle_async("on", payload(), 1s);
  const pid_t pid = controller->child_pid();
  loop.advance(999ms);
  EXPECT_FALSE(answer);
  loop.advance(1ms);
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->code, 408);
  EXPECT_EQ(controller->child_pid(), pid);
  EXPECT_TRUE(host.signals().empty());
  EXPECT_EQ(hints.process(), "running");
  // Ready later: serving then, without anyone asking.
  pod.is_ready = true;
  loop.advance(10s);
  EXPECT_TRUE(hints.ready());
}

TEST_F(PipedControllerTest, ACrashingChildRestartsAtOnceThenWithADoublingDelay) {
  make();
  pid_t pid = started();
  auto crash = [&] {
    host.exit_code(pid, 1);
    loop.run_ready();
  };
  crash();
  EXPECT_EQ(controller->children_started(), 2) << "the first failure of a streak: at once";
  pid = controller->child_pid();
  crash();
  EXPECT_EQ(controller->children_started(), 2);
  EXPECT_EQ(controller->child_pid(), 0);
  EXPECT_EQ(hints.process(), "stopped");
  loop.advance(99ms);
  EXPECT_EQ(controller->children_started(), 2);
  loop.advance(1ms);
  EXPECT_EQ(controller->children_started(), 3) << "after 0.1 s";
  pid = controller->child_pid();
  crash();
  loop.advance(199ms);
  EXPECT_EQ(controller->children_started(), 3);
  loop.advance(1ms);
  EXPECT_EQ(controller->children_started(), 4) << "after 0.2 s";
  // A run of 10 s starts a new streak.
  pid = controller->child_pid();
  loop.advance(10s);
  crash();
  EXPECT_EQ(controller->children_started(), 5) << "at once again";
  EXPECT_EQ(controller->child_failures(), 4);
  EXPECT_EQ(count("tear_down"), 0) << "a failed child is not asked to stop";
}

TEST_F(PipedControllerTest, ARestartBackoffOfZeroRestartsAtOnceAlways) {
  pod.restart_backoff = Seconds(0);
  make();
  for (int i = 0; i < 5; ++i) {
    host.exit_code(controller->child_pid() ? controller->child_pid() : started(), 1);
    loop.run_ready();
  }
  EXPECT_EQ(controller->children_started(), 6);
}

TEST_F(PipedControllerTest, AChildThatCannotBeRestartedEndsThePodsWork) {
  make();
  const pid_t pid = started();
  host.refuse_spawn = true;
  host.exit_code(pid, 1);
  loop.run_ready();
  EXPECT_EQ(hints.process(), "dead");
  EXPECT_EQ(count("finalize"), 1);
}

TEST_F(PipedControllerTest, AnExitCodeZeroEndsThePodsWork) {
  make();
  const pid_t pid = started();
  host.exit_code(pid, 0);
  loop.run_ready();
  EXPECT_EQ(count("finalize"), 1);
  EXPECT_EQ(hints.process(), "dead");
  EXPECT_EQ(controller->children_started(), 1) << "no restart";
  EXPECT_EQ(handle("on", payload()).code, 410);
  EXPECT_EQ(handle("kill").code, 410);
}

TEST_F(PipedControllerTest, FailingSanityChecksTurnTheChildOffOnceTheAllowanceIsGone) {
  pod.checks = 3;
  pod.check_every = Seconds(1);
  make();
  const pid_t pid = started();
  pod.sick = true;
  loop.advance(2s);
  EXPECT_EQ(pod.sanity_checks, 2);
  EXPECT_EQ(controller->child_pid(), pid) << "two failures of three allowed";
  loop.advance(1s);
  EXPECT_EQ(pod.sanity_checks, 3);
  EXPECT_EQ(controller->child_pid(), 0) << "turned off";
  EXPECT_EQ(hints.process(), "stopped");
  EXPECT_EQ(count("withdraw"), 1) << "out of the dependents' view";
  EXPECT_EQ(count("tear_down"), 1);
  loop.advance(60s);
  EXPECT_EQ(controller->children_started(), 1) << "stays off until the next on";
  EXPECT_EQ(pod.sanity_checks, 3);
  EXPECT_EQ(handle("on").code, 200);
  EXPECT_EQ(controller->children_started(), 2);
}

TEST_F(PipedControllerTest, APassingSanityCheckRestoresTheAllowance) {
  pod.checks = 2;
  pod.check_every = Seconds(1);
  make();
  started();
  for (const bool sick : {true, false, true, false, true}) {
    pod.sick = sick;
    loop.advance(1s);
  }
  EXPECT_NE(controller->child_pid(), 0) << "never two failures in a row";
  EXPECT_EQ(hints.metrics(), (json{{"load", 1}}));
  pod.sick = true;
  loop.advance(1s);
  EXPECT_EQ(controller->child_pid(), 0);
}

TEST_F(PipedControllerTest, AFailureSinceTheLastCheckUsesUpTheAllowance) {
  pod.check_every = Seconds(1);  // checks = 1
  make();
  const pid_t pid = started();
  host.exit_code(pid, 1);
  loop.run_ready();
  EXPECT_EQ(controller->children_started(), 2) << "restarted";
  loop.advance(1s);
  EXPECT_EQ(pod.sanity_checks, 0) << "failed without asking";
  EXPECT_EQ(controller->child_pid(), 0) << "turned off";
}

TEST_F(PipedControllerTest, AnOffStepsOutOfViewWaitsTheLeaveDelayThenDrainsAndStops) {
  make(true, 2000ms);
  started();
  events.clear();
  const Clock::time_point t0 = loop.now();
  handle_async("off", nullptr, 60s);
  EXPECT_EQ(events, Events{"withdraw"});
  EXPECT_EQ(presence.limits, std::vector<std::chrono::milliseconds>{5000ms});
  EXPECT_EQ(hints.process(), "terminating");
  EXPECT_FALSE(hints.ready()) << "not serving once leaving";
  loop.advance(3s);
  EXPECT_EQ(events, Events{"withdraw"}) << "still waiting to be out of view";
  presence.answer(true);
  loop.run_ready();
  loop.advance(1999ms);
  EXPECT_EQ(events, Events{"withdraw"}) << "serving through the leave delay";
  loop.advance(1ms);
  EXPECT_EQ(events, (Events{"withdraw", "drained?", "drained?", "tear_down"}));
  EXPECT_EQ(pod.torn_at, std::vector<Clock::time_point>{t0 + 5s});
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->code, 200);
  EXPECT_EQ(hints.process(), "stopped");
  EXPECT_EQ(controller->child_pid(), 0);
}

TEST_F(PipedControllerTest, AnOffWaitsForItsWithdrawalHalfItsTimeAtMost) {
  make();
  started();
  handle_async("off", nullptr, 4s);
  EXPECT_EQ(presence.limits, std::vector<std::chrono::milliseconds>{2000ms});
}

TEST_F(PipedControllerTest, ALeadersOffGoesStraightToTheDrain) {
  make();
  started();
  events.clear();
  handle_async("off", payload(), 60s);  // a full_shutdown round's
  EXPECT_EQ(count("withdraw"), 0);
  EXPECT_EQ(count("tear_down"), 1);
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->code, 200);
}

TEST_F(PipedControllerTest, AnOffWaitsForTheDrainUpToGrace) {
  pod.grace = Seconds(5);
  make();
  started();
  pod.is_drained = false;
  operator_stops("off");
  const Clock::time_point t0 = loop.now();
  loop.advance(4s);
  EXPECT_EQ(count("tear_down"), 0);
  pod.is_drained = true;
  loop.advance(200ms);
  EXPECT_EQ(pod.torn_at, std::vector<Clock::time_point>{t0 + 4200ms});
  ASSERT_TRUE(answer);

  // Never drained: stopped at the end of grace anyway.
  EXPECT_EQ(handle("on").code, 200);
  pod.is_drained = false;
  operator_stops("off");
  const Clock::time_point t1 = loop.now();
  loop.advance(10s);
  EXPECT_EQ(pod.torn_at.back(), t1 + 5s);
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->code, 200);
}

TEST_F(PipedControllerTest, AKillDrainsStopsAndEndsThePodsWork) {
  make();
  started();
  events.clear();
  operator_stops("kill");
  EXPECT_EQ(events, (Events{"withdraw", "drained?", "drained?", "tear_down", "finalize"}));
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->code, 200);
  EXPECT_EQ(hints.process(), "dead");
  EXPECT_EQ(handle("on").code, 410);
}

TEST_F(PipedControllerTest, AStopSigkillsAChildStillRunningAfterGrace) {
  pod.grace = Seconds(30);
  pod.honours_tear_down = false;
  make();
  const pid_t pid = started();
  const Clock::time_point t0 = loop.now();
  EXPECT_EQ(handle("off").code, 200);
  EXPECT_EQ(host.waited_until, t0 + 30s);
  EXPECT_EQ(host.signals_to(pid), (std::vector<int>{SIGKILL, SIGKILL}));
  EXPECT_EQ(hints.process(), "stopped");
  loop.run_ready();
  EXPECT_EQ(controller->children_started(), 1) << "a stopped child is not restarted";
}

TEST_F(PipedControllerTest, ASoftStopLeavesTheGroupAfterGrace) {
  pod.soft = true;
  pod.honours_tear_down = false;
  make();
  const pid_t pid = started();
  EXPECT_EQ(handle("off").code, 200);
  EXPECT_TRUE(host.signals_to(pid).empty());
  EXPECT_EQ(controller->child_pid(), 0);
  host.exit_code(pid, 1);  // it goes later, on its own
  loop.run_ready();
  EXPECT_EQ(controller->children_started(), 1);
  EXPECT_EQ(controller->child_failures(), 0);
}

TEST_F(PipedControllerTest, TheStopBudgetBoundsTheShutdownEvenSoft) {
  pod.soft = true;
  pod.honours_tear_down = false;
  make();
  const pid_t pid = started();
  const Clock::time_point t0 = loop.now();
  controller->stop_by(t0 + 1s);
  controller->shutdown(t0 + 1s);
  EXPECT_EQ(host.waited_until, t0 + 1s);
  EXPECT_EQ(host.signals_to(pid), (std::vector<int>{SIGKILL, SIGKILL}));
  EXPECT_EQ(hints.process(), "dead");
  EXPECT_EQ(count("finalize"), 1);
}

TEST_F(PipedControllerTest, ASecondSigtermDuringTheShutdownKillsAtOnce) {
  pod.honours_tear_down = false;
  make();
  const pid_t pid = started();
  host.on_wait = [&](Clock::time_point) { controller->hurry(); };
  controller->shutdown(Clock::time_point::max());
  EXPECT_EQ(host.waits, 1);
  EXPECT_EQ(host.signals_to(pid), (std::vector<int>{SIGKILL, SIGKILL}));
  EXPECT_EQ(hints.process(), "dead");
}

TEST_F(PipedControllerTest, TheShutdownDrainsFirstAndAnswersAWaitingReply503) {
  make();
  pod.is_ready = false;
  handle_async("on", payload(), 60s);
  pod.is_drained = false;
  int polls = 0;
  host.on_wait = [&](Clock::time_point) { pod.is_drained = ++polls == 2; };
  events.clear();
  controller->shutdown(Clock::time_point::max());
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->code, 503);
  EXPECT_EQ(events, (Events{"drained?", "drained?", "drained?", "tear_down", "finalize"}));
}

TEST_F(PipedControllerTest, DestroyedWithAChildRunningItSigkillsIt) {
  make();
  const pid_t pid = started();
  controller.reset();
  EXPECT_EQ(host.signals_to(pid), (std::vector<int>{SIGKILL, SIGKILL}));
  loop.advance(60s);  // what it left on the loop runs as nothing
}

}  // namespace
}  // namespace ochopod::test

namespace ochopod::test {
namespace {

// The exit policy (docs/lifecycle.md, "When the child ends").

TEST_F(PipedControllerTest, WithoutAnExitPolicyThePodOutlivesItsChild) {
  make();
  host.exit_code(started(), 3);
  loop.run_ready();
  EXPECT_EQ(controller->children_started(), 2) << "restarted, as ever";
  host.exit_code(controller->child_pid(), 0);
  loop.run_ready();
  EXPECT_EQ(hints.process(), "dead");
  EXPECT_EQ(pod_ends, 0) << "the pod stays up, dead";
  EXPECT_EQ(controller->exit_code(), 0);
}

TEST_F(PipedControllerTest, ExitWithChildEndsThePodWithTheChildsCode) {
  pod.exit_with_child = true;
  make();
  host.exit_code(started(), 3);
  loop.run_ready();
  EXPECT_EQ(controller->children_started(), 1) << "no restart without --max-restarts";
  EXPECT_EQ(pod_ends, 1);
  EXPECT_EQ(controller->exit_code(), 3);
  EXPECT_EQ(hints.process(), "dead");
}

TEST_F(PipedControllerTest, ASignalledChildGivesTheShellsCode) {
  pod.exit_with_child = true;
  make();
  host.killed_by(started(), SIGSEGV);
  loop.run_ready();
  EXPECT_EQ(controller->exit_code(), 128 + SIGSEGV);
}

TEST_F(PipedControllerTest, MaxRestartsBoundsTheRestartsThenThePodExits) {
  pod.exit_with_child = true;
  pod.max_restarts = 2;
  pod.restart_backoff = Seconds(0);
  make();
  host.exit_code(started(), 5);
  loop.run_ready();
  for (int i = 0; i < 2; ++i) {
    ASSERT_NE(controller->child_pid(), 0) << "restart " << i + 1;
    host.exit_code(controller->child_pid(), 5);
    loop.run_ready();
  }
  EXPECT_EQ(controller->children_started(), 3);
  EXPECT_EQ(pod_ends, 1);
  EXPECT_EQ(controller->exit_code(), 5);
}

TEST_F(PipedControllerTest, MaxRestartsAloneLeavesThePodUpAndDead) {
  pod.max_restarts = 1;
  pod.restart_backoff = Seconds(0);
  make();
  host.exit_code(started(), 5);
  loop.run_ready();
  host.exit_code(controller->child_pid(), 5);
  loop.run_ready();
  EXPECT_EQ(controller->children_started(), 2);
  EXPECT_EQ(hints.process(), "dead");
  EXPECT_EQ(pod_ends, 0);
  loop.advance(60s);
  EXPECT_EQ(controller->children_started(), 2) << "no restart once they are spent";
}

TEST_F(PipedControllerTest, ASuccessCodeEndsTheWorkAsZeroDoes) {
  pod.exit_with_child = true;
  pod.success_codes = {143};
  make();
  host.exit_code(started(), 143);
  loop.run_ready();
  EXPECT_EQ(controller->children_started(), 1);
  EXPECT_EQ(controller->exit_code(), 0);
  EXPECT_EQ(pod_ends, 1);
}

TEST_F(PipedControllerTest, AfterItsOwnStopThePodExitsZeroUnlessTheChildWasKilled) {
  pod.exit_with_child = true;
  make();
  started();
  controller->shutdown(Clock::time_point::max());
  EXPECT_EQ(controller->exit_code(), 0) << "stopped within its grace";

  pod.honours_tear_down = false;
  pod.grace = Seconds(1);
  make();
  started();
  controller->shutdown(Clock::time_point::max());
  EXPECT_EQ(controller->exit_code(), 128 + SIGKILL) << "it had to be SIGKILLed";
}

// Liveness (docs/lifecycle.md, "Watching it").

TEST_F(PipedControllerTest, FailedLivenessChecksRestartTheChild) {
  pod.checks = 2;
  pod.check_every = Seconds(1);
  make();
  const pid_t first = started();
  loop.advance(3s);
  EXPECT_EQ(controller->child_pid(), first) << "alive so far";
  pod.is_alive = false;
  loop.advance(1s);
  EXPECT_EQ(controller->child_pid(), first) << "one failure allowed";
  loop.advance(1s);
  EXPECT_NE(controller->child_pid(), first) << "restarted after two failures";
  EXPECT_EQ(count("tear_down"), 1) << "asked to stop, as a stop does";
  EXPECT_EQ(controller->children_started(), 2);
  EXPECT_TRUE(hints.process() == "running");
}

TEST_F(PipedControllerTest, NoLivenessFailureCountsDuringTheStartPeriod) {
  pod.check_every = Seconds(1);
  pod.start_period = Seconds(5);
  pod.is_alive = false;
  make();
  const pid_t first = started();
  loop.advance(4s);
  EXPECT_EQ(pod.alive_calls, 0);
  EXPECT_EQ(controller->child_pid(), first);
  loop.advance(1s);
  EXPECT_NE(controller->child_pid(), first) << "the first check after the start period";
}

// One-shots around each start.

TEST_F(PipedControllerTest, PreStartRunsBeforeEachStartPostStopAfterEachStop) {
  pod.restart_backoff = Seconds(0);
  make();
  host.exit_code(started(), 1);
  loop.run_ready();
  EXPECT_EQ(pod.hooks, (Events{"pre_start", "post_stop", "pre_start"}));
  ASSERT_EQ(pod.stop_statuses.size(), 1u);
  EXPECT_EQ(pod.stop_statuses[0], std::optional<int>(1 << 8));
}

TEST_F(PipedControllerTest, AFailingPreStartFailsTheStartAsConfigureDoes) {
  pod.fail_pre_start = true;
  make();
  EXPECT_EQ(handle("on", payload()).code, 406);
  EXPECT_EQ(controller->children_started(), 0);
  EXPECT_EQ(hints.process(), "dead");
}

}  // namespace
}  // namespace ochopod::test
