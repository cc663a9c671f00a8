// The example pods behave as docs/writing-a-pod.md describes them. They run
// solo (no ZooKeeper): what is under test is their lifecycle.
#include <gtest/gtest.h>

#include "harness/cluster_probe.h"

namespace ochopod::test {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

PodSpec example(const std::string& name) {
  PodSpec s;
  s.zk = "";
  s.program = std::string(EXAMPLES_BIN_DIR) + "/" + name + "_pod";
  return s;
}

std::optional<json> info(const PodProcess& pod) { return pod_info(pod.control_port(), 2s); }

TEST(Examples, ShellSaysHelloThenIdlesDead) {
  PodProcess pod(example("shell"));
  // LAPSE is 5 s in the example.
  ASSERT_TRUE(wait_until(
      [&] {
        auto i = info(pod);
        return i && (*i)["process"] == "dead";
      },
      5s + 5s, "the shell child exiting 0 and the pod idling dead"));
  const auto log = http_post(pod.control_port(), "/log");
  EXPECT_NE(log.body.find("hello world"), std::string::npos) << "the piped output is missing";
  EXPECT_EQ(http_post(pod.control_port(), "/control/on").status, 410);
}

TEST(Examples, MetricsShowTheUptimeEverySecond) {
  PodProcess pod(example("metrics"));
  std::string first;
  ASSERT_TRUE(wait_until(
      [&] {
        auto i = info(pod);
        if (!i || !(*i)["metrics"].contains("uptime")) return false;
        first = (*i)["metrics"]["uptime"];
        return true;
      },
      5s, "uptime metrics"));
  EXPECT_NE(first.find("minutes (pid "), std::string::npos) << first;
  EXPECT_TRUE(
      wait_until([&] { return info(pod).value_or(json())["metrics"].value("uptime", "") != first; },
                 3s, "the metrics refreshed a second later"));
}

TEST(Examples, SanityTurnsTheChildOffAfterThreeFailedChecks) {
  PodProcess pod(example("sanity"));
  ASSERT_TRUE(wait_until([&] { return info(pod).value_or(json())["process"] == "running"; }, 5s,
                         "the child running"));
  // 3 checks, 5 s apart.
  EXPECT_TRUE(wait_until([&] { return info(pod).value_or(json())["process"] == "stopped"; },
                         3 * 5s + 5s, "the child turned off after 3 failed checks"));
}

TEST(Examples, MisbehavedIsRestartedThenTurnedOff) {
  PodProcess pod(example("misbehaved"));
  // "stopped" is also where a pod starts: first see it restarted a few times.
  ASSERT_TRUE(wait_until([&] { return log_has(pod.control_port(), "child #3"); }, 10s,
                         "the failing child restarted twice"));
  // The line is logged as the stop begins: a restarted child may still be
  // terminating.
  EXPECT_TRUE(wait_until(
      [&] {
        return log_has(pod.control_port(), "turning the child off") &&
               info(pod).value_or(json())["process"] == "stopped";
      },
      3 * 5s + 5s, "the failing child turned off after 3 failed checks"));
  // Not piped: its output goes where the pod's goes.
  EXPECT_NE(pod.output().find("kaboom"), std::string::npos);
}

TEST(Examples, ToolAnswersEcho) {
  PodProcess pod(example("tool"));
  ASSERT_TRUE(wait_until([&] { return info(pod).has_value(); }, 5s, "the pod up"));
  const auto reply = http_post(pod.control_port(), "/exec", "", 5s, {{"X-Shell", "echo foo"}});
  ASSERT_EQ(reply.status, 200);
  EXPECT_EQ(reply.json(), json({{"code", 0}, {"stdout", {"your command was foo"}}}));
  const auto shell = http_post(pod.control_port(), "/exec", "", 5s, {{"X-Shell", "shell echo hi"}});
  EXPECT_EQ(shell.json(), json({{"code", 0}, {"stdout", {"hi"}}}))
      << "the example registers the stock shell tool explicitly";
}

}  // namespace
}  // namespace ochopod::test
