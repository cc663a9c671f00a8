// Bytes that are not UTF-8, from every source the pod serializes (issue 10):
// a child's output, a tool's output, a probe's status, an environment value
// copied into the registration. Each must leave the control port answering
// 200 with valid JSON, the pod registered and its child running.
#include <gtest/gtest.h>

#include <fstream>

#include "harness/cluster_probe.h"
#include "harness/http.h"
#include "harness/ports.h"
#include "harness/zk_fixture.h"

namespace ochopod::test {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

constexpr auto kStart = 15s;  // pod start and ZooKeeper session set-up, loaded machine
const std::string kReplacement = "\xEF\xBF\xBD";  // U+FFFD
const std::string kE = "\xC3\xA9";                // é

// The body parsed strictly: nlohmann refuses invalid UTF-8 in strings.
bool valid_json(const HttpReply& reply) {
  return reply.status == 200 && !json::parse(reply.body, nullptr, false).is_discarded();
}

// What the child prints: "caf\xff", then one line of 10 240 'é' (20 KiB).
std::string write_output_file(const TempDir& dir) {
  const std::string path = dir.file("output.txt");
  std::ofstream out(path, std::ios::binary);
  out << "caf\xff\n";
  for (int i = 0; i < 10240; ++i) out << kE;
  out << "\n";
  return path;
}

TEST(HostileText, ChildAndToolOutputThatIsNotUtf8KeepsEveryEndpointValid) {
  TempDir dir;
  const std::string output = write_output_file(dir);
  PodSpec spec;
  spec.zk = "";
  spec.with_option("--pipe")
      .with_option("--tool=dump=/bin/cat " + output)
      .with_child({"/bin/sh", "-c", "cat " + output + "; exec sleep 3600"})
      .with_control_port(free_port());
  PodProcess pod(spec);
  const int port = pod.control_port();
  ASSERT_TRUE(wait_until(
      [&] {
        const auto reply = http_post(port, "/log");
        return reply.status == 200 && reply.body.find("caf") != std::string::npos;
      },
      kStart, "/log answering 200 with the child's line"));

  const HttpReply log = http_post(port, "/log");
  ASSERT_TRUE(valid_json(log)) << "/log: HTTP " << log.status;
  size_t accents = 0;
  bool saw_caf = false;
  for (const auto& entry : json::parse(log.body)) {
    const std::string line = entry.get<std::string>();
    ASSERT_FALSE(line.empty());
    EXPECT_EQ(line.back(), '\n') << "entries end with a newline, as the original's";
    if (line.find("caf" + kReplacement) != std::string::npos) saw_caf = true;
    if (line.find(kE) == std::string::npos) continue;
    // The long line is cut in pieces, none splitting a character.
    EXPECT_EQ(line.find(kReplacement), std::string::npos) << "a piece of the long line split an é";
    for (size_t at = line.find(kE); at != std::string::npos; at = line.find(kE, at + 2)) ++accents;
  }
  EXPECT_TRUE(saw_caf) << "the invalid byte shows as U+FFFD";
  EXPECT_EQ(accents, 10240u) << "every é of the 20 KiB line is in the log";

  const HttpReply info = http_post(port, "/info");
  EXPECT_TRUE(valid_json(info)) << "/info: HTTP " << info.status;
  EXPECT_EQ(json::parse(info.body).value("process", ""), "running");

  const HttpReply exec = http_post(port, "/exec", "", 10s, {{"X-Shell", "dump"}});
  ASSERT_TRUE(valid_json(exec)) << "/exec: HTTP " << exec.status << " " << exec.body;
  const json reply = json::parse(exec.body);
  EXPECT_EQ(reply.value("code", -1), 0);
  ASSERT_TRUE(reply["stdout"].is_array());
  ASSERT_FALSE(reply["stdout"].empty());
  EXPECT_EQ(reply["stdout"][0], "caf" + kReplacement);
}

class HostileTextZk : public ZkTest {};

TEST_F(HostileTextZk, ProbeStatusAndEnvironmentValuesThatAreNotUtf8) {
  TempDir dir;
  const std::string hints = dir.file("hints.json");
  PodSpec spec(zk.connect_string());
  spec.with_option("--probe=printf 'probe\\377'")
      .with_option("--probe-every=0.2")
      .with_option("--damper=0")
      .with_env("ochopod_note", "bad\xff value")
      .with_child({"/bin/sh", "-c", "printf '%s' \"$ochopod\" > " + hints + "; exec sleep 3600"});
  PodProcess pod(spec);
  const int port = pod.control_port();
  ASSERT_TRUE(wait_until(
      [&] {
        const auto info = pod_info(port, 2s);
        return info && info->value("status", "") == "probe" + kReplacement;
      },
      kStart, "the leader's probe status in /info, with U+FFFD for the bad byte"));
  EXPECT_EQ(state_of(port), "leader");
  const auto registration = registration_of(zk.connect_string(), port);
  ASSERT_TRUE(registration) << "the pod is registered";
  ASSERT_TRUE(registration->payload.is_object()) << "its registration is readable JSON";
  EXPECT_EQ(registration->payload.value("note", ""), "bad" + kReplacement + " value");
  EXPECT_TRUE(wait_until(
      [&] {
        std::ifstream in(hints);
        const std::string text((std::istreambuf_iterator<char>(in)), {});
        const json parsed = json::parse(text, nullptr, false);
        return parsed.is_object() && parsed.value("note", "") == "bad" + kReplacement + " value";
      },
      kStart, "the child started with valid JSON hints in $ochopod"));
  EXPECT_EQ(json::parse(http_post(port, "/info").body).value("process", ""), "running");
}

}  // namespace
}  // namespace ochopod::test
