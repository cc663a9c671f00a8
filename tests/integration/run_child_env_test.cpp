// What `ochopod run` (issue 28) gives its child and takes from it: variables
// from --env-file and from *_FILE secrets (--file-env), which never reach the
// pod's log, /info or the hints; the --user it runs as; a signal asked for
// with POST /control/signal (what `ochopod signal -s` sends, here straight to
// the control port: solo pods have no ZooKeeper); and with --pipe its stdout
// and stderr kept apart, as text or JSON lines. Real shells as children.
#include <gtest/gtest.h>
#include <pwd.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "harness/child_probe.h"
#include "harness/cluster_probe.h"
#include "harness/files.h"
#include "harness/temp_dir.h"
#include "harness/zk_fixture.h"

namespace ochopod::test {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

// An --env-file, a secret behind DB_PASSWORD_FILE, and where the child
// writes what it sees: its two variables, then its hints.
struct SecretSetup {
  TempDir dir;
  std::string secret = "s3cr3t-7f1a9c-never-logged";
  std::string seen = dir.file("seen");
  std::string hints = dir.file("hints");

  SecretSetup() {
    write_text(dir.file("child.env"), "GREETING=hello-from-file\n");
    write_text(dir.file("db-password"), secret);
  }

  PodSpec applied_to(PodSpec spec) const {
    return spec.with_option("--env-file=" + dir.file("child.env"))
        .with_option("--file-env=DB_PASSWORD")
        .with_env("DB_PASSWORD_FILE", dir.file("db-password"))
        .with_child({"/bin/sh", "-c",
                     "printf '%s\\n' \"GREETING=$GREETING\" \"DB_PASSWORD=$DB_PASSWORD\" > " +
                         seen + ".tmp; printf %s \"$ochopod\" > " + hints + "; mv " + seen +
                         ".tmp " + seen + "; exec sleep 3600"});
  }

  // The child saw both variables; the secret is nowhere else the pod shows.
  void expect_only_the_child_sees_it(PodProcess& pod) const {
    ASSERT_TRUE(wait_until([&] { return std::filesystem::exists(seen); }, kStartup,
                           "the child writing what it sees"));
    EXPECT_EQ(read_text(seen), "GREETING=hello-from-file\nDB_PASSWORD=" + secret + "\n");
    const int port = pod.control_port();
    ASSERT_TRUE(
        wait_until([&] { return process_of(port) == "running"; }, kStartup, "the child running"));
    const auto info = pod_info(port);
    ASSERT_TRUE(info);
    EXPECT_EQ(info->dump().find(secret), std::string::npos) << "/info holds the secret";
    EXPECT_EQ(read_text(hints).find(secret), std::string::npos)
        << "the hints (the registration the child sees) hold the secret";
    EXPECT_FALSE(log_has(port, secret)) << "/log holds the secret";
    EXPECT_EQ(pod.output().find(secret), std::string::npos) << "the pod's output holds the secret";
  }
};

TEST(RunChildEnv, EnvFileAndFileEnvReachTheChildAndTheSecretNothingElse) {
  SecretSetup setup;
  PodProcess pod(setup.applied_to(solo()));
  ASSERT_NO_FATAL_FAILURE(setup.expect_only_the_child_sees_it(pod));
}

class RunChildEnvRegistered : public ZkTest {};

TEST_F(RunChildEnvRegistered, TheSecretIsNotInTheRegistration) {
  SecretSetup setup;
  PodProcess pod(setup.applied_to(PodSpec(zk.connect_string())));
  ASSERT_NO_FATAL_FAILURE(setup.expect_only_the_child_sees_it(pod));
  std::optional<SeenPod> registration;
  ASSERT_TRUE(wait_until(
      [&] {
        registration = registration_of(zk.connect_string(), pod.control_port());
        return registration.has_value();
      },
      kStartup, "the pod's registration in ZooKeeper"));
  EXPECT_EQ(registration->payload.dump().find(setup.secret), std::string::npos)
      << "the registration holds the secret";
}

TEST(RunChildEnv, UserRunsTheChildAsNobody) {
  if (::geteuid() != 0) GTEST_SKIP() << "--user needs root to switch users (CI runs as root)";
  const passwd* nobody = ::getpwnam("nobody");
  ASSERT_NE(nobody, nullptr) << "no user nobody on this host";
  const std::string expected =
      "ids=" + std::to_string(nobody->pw_uid) + ":" + std::to_string(nobody->pw_gid) + ".";
  // nobody cannot write in our private dirs: it says who it is on --pipe.
  PodProcess pod(
      solo()
          .with_option("--user=nobody")
          .with_option("--pipe")
          .with_child({"/bin/sh", "-c", "echo \"ids=$(id -u):$(id -g).\"; exec sleep 3600"}));
  // The pod may log the command itself: it holds no digits after "ids=".
  EXPECT_TRUE(wait_until([&] { return pod.output().find(expected) != std::string::npos; }, kStartup,
                         "the child printing " + expected))
      << last_lines(pod.output(), 20);
}

TEST(RunChildSignal, PostControlSignalReachesTheChildsTrapAndAnUnknownOneIs400) {
  TempDir dir;
  const std::string marker = dir.file("got");
  const std::string ready = dir.file("trap-set");
  PodProcess pod(solo().with_child(
      {"/bin/sh", "-c",
       "trap 'echo got >> " + marker + "' USR1; : > " + ready + "; while :; do sleep 0.05; done"}));
  const int port = pod.control_port();
  ASSERT_TRUE(
      wait_until([&] { return process_of(port) == "running" && std::filesystem::exists(ready); },
                 kStartup, "the child running with its USR1 trap set"));
  const auto reply = http_post(port, "/control/signal", R"({"signal":"USR1"})", 5s);
  EXPECT_EQ(reply.status, 200) << reply.body << reply.error;
  EXPECT_TRUE(wait_until([&] { return lines_equal_to(marker, "got") >= 1; }, 5s,
                         "the child's USR1 trap firing"));
  const auto bad = http_post(port, "/control/signal", R"({"signal":"NOPE"})", 5s);
  EXPECT_EQ(bad.status, 400) << bad.body << bad.error;
  EXPECT_TRUE(pod.running());
  EXPECT_EQ(process_of(port), "running");
}

// The child's two lines, on its stdout and its stderr, then a sleep. The
// command spells neither line, so the pod logging it shows neither.
const std::vector<std::string> kTwoStreams = {
    "/bin/sh", "-c", "o=out e=err; echo \"$o-line\"; echo \"$e-line\" >&2; exec sleep 3600"};

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(RunChildStreams, PipedStdoutAndStderrStayApart) {
  TempDir dir;
  const std::string err = dir.file("stderr");
  auto split = launch_with_stderr_apart(solo().with_option("--pipe").with_child(kTwoStreams), err);
  PodProcess& pod = *split.pod;
  EXPECT_TRUE(wait_until(
      [&] {
        return has(pod.output(), "[child] out-line") && has(read_text(err), "[child] err-line");
      },
      kStartup, "[child] out-line on the pod's stdout and [child] err-line on its stderr"))
      << "stdout:\n"
      << last_lines(pod.output(), 20) << "\nstderr:\n"
      << last_lines(read_text(err), 20);
  EXPECT_FALSE(has(pod.output(), "err-line")) << "the child's stderr reached the pod's stdout";
  EXPECT_FALSE(has(read_text(err), "out-line")) << "the child's stdout reached the pod's stderr";
}

// The JSON object on a line of text that holds `part`; null if none parses.
json json_line_with(const std::string& text, const std::string& part) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!has(line, part)) continue;
    auto parsed = json::parse(line, nullptr, false);
    if (parsed.is_object()) return parsed;
  }
  return nullptr;
}

TEST(RunChildStreams, PipedLinesAsJsonSayWhichStream) {
  TempDir dir;
  const std::string err = dir.file("stderr");
  auto split = launch_with_stderr_apart(
      solo().with_option("--pipe").with_option("--log-format=json").with_child(kTwoStreams), err);
  PodProcess& pod = *split.pod;
  json out;
  json error;
  EXPECT_TRUE(wait_until(
      [&] {
        out = json_line_with(pod.output(), "out-line");
        error = json_line_with(read_text(err), "err-line");
        return out.is_object() && error.is_object();
      },
      kStartup,
      "a JSON line with out-line on the pod's stdout and one with err-line on its stderr"))
      << "stdout:\n"
      << last_lines(pod.output(), 20) << "\nstderr:\n"
      << last_lines(read_text(err), 20);
  if (out.is_object()) {
    EXPECT_EQ(out.value("stream", ""), "stdout") << out.dump();
  }
  if (error.is_object()) {
    EXPECT_EQ(error.value("stream", ""), "stderr") << error.dump();
  }
  EXPECT_FALSE(has(pod.output(), "err-line")) << "the child's stderr reached the pod's stdout";
  EXPECT_FALSE(has(read_text(err), "out-line")) << "the child's stdout reached the pod's stderr";
}

}  // namespace
}  // namespace ochopod::test
