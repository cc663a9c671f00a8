// /exec tools end to end (issue 5): `ochopod run --tool` pods, uploads in a
// private temp dir, traversal names refused, unknown tools 404.
#include <gtest/gtest.h>
#include <httplib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <future>

#include "harness/cluster_probe.h"
#include "harness/zk_fixture.h"

namespace ochopod::test {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

struct ExecAnswer {
  int status = 0;
  json body;
};

ExecAnswer exec(int port, const std::string& shell,
                const std::vector<std::pair<std::string, std::string>>& files = {},
                httplib::Headers headers = {}) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(5, 0);
  client.set_read_timeout(20, 0);
  headers.emplace("X-Shell", shell);
  httplib::MultipartFormDataItems items;
  for (const auto& [name, content] : files) items.push_back({name, content, name, "text/plain"});
  // An empty multipart body is malformed: send no body when there is no file.
  auto result = items.empty() ? client.Post("/exec", headers, "", "text/plain")
                              : client.Post("/exec", headers, items);
  if (!result) return {};
  return {result->status, json::parse(result->body, nullptr, false)};
}

class Exec : public ZkTest {
 protected:
  void SetUp() override {
    ZkTest::SetUp();
    pod = std::make_unique<PodProcess>(PodSpec(zk.connect_string())
                                           .with_option("--tool=echo=echo your command was")
                                           .with_option("--tool=cat=cat")
                                           .with_option("--tool=pwd=pwd")
                                           .with_option("--tool=fail=false")
                                           .with_option("--tool=list=ls -1")
                                           .with_option("--tool=sleep=sleep"));
    ASSERT_TRUE(wait_until([&] { return is_leader(pod->control_port()); }, 15s, "the pod up"));
  }
  std::unique_ptr<PodProcess> pod;
};

TEST_F(Exec, AToolRunsWithItsArgumentsAppended) {
  const auto a = exec(pod->control_port(), "echo foo");
  ASSERT_EQ(a.status, 200);
  EXPECT_EQ(a.body, json({{"code", 0}, {"stdout", {"your command was foo"}}}));
  const auto quoted = exec(pod->control_port(), "echo 'it''s' $HOME;rm");
  EXPECT_EQ(quoted.body["stdout"], json({"your command was 'it''s' $HOME;rm"}))
      << "arguments reach the command as words, never through a shell";
}

TEST_F(Exec, UploadsLandInAFreshPrivateDirRemovedAfterTheCall) {
  const auto a =
      exec(pod->control_port(), "cat notes.txt", {{"notes.txt", "line one\nline two\n"}});
  ASSERT_EQ(a.status, 200);
  EXPECT_EQ(a.body, json({{"code", 0}, {"stdout", {"line one", "line two"}}}));
  const auto listed = exec(pod->control_port(), "list", {{"a.txt", "1"}, {"b.txt", "2"}});
  EXPECT_EQ(listed.body["stdout"], json({"a.txt", "b.txt"}));
  const auto where = exec(pod->control_port(), "pwd");
  ASSERT_EQ(where.body["stdout"].size(), 1u);
  const std::string dir = where.body["stdout"][0];
  EXPECT_NE(dir.find("ochopod-exec-"), std::string::npos) << dir;
  EXPECT_FALSE(std::filesystem::exists(dir)) << "the upload dir outlived its call";
  const auto again = exec(pod->control_port(), "pwd");
  EXPECT_NE(again.body["stdout"][0], dir) << "each call gets a fresh dir";
}

TEST_F(Exec, TraversalNamesAreRefusedAndNothingIsWrittenOutside) {
  const auto outside = std::filesystem::temp_directory_path() / "ochopod-escaped.txt";
  std::filesystem::remove(outside);
  for (const std::string name :
       {"../ochopod-escaped.txt", "/tmp/ochopod-escaped.txt", "..", "a/b"}) {
    EXPECT_EQ(exec(pod->control_port(), "cat x", {{name, "evil"}}).status, 400) << name;
  }
  EXPECT_FALSE(std::filesystem::exists(outside));
  // The pod's TMPDIR (the harness gives it its own dir): the upload dir's parent.
  EXPECT_FALSE(std::filesystem::exists(std::filesystem::path(pod->dir()) / "ochopod-escaped.txt"));
  EXPECT_TRUE(pod_info(pod->control_port())) << "the pod keeps serving";
}

TEST_F(Exec, UnknownToolsAre404AndFailuresCarryTheirCode) {
  EXPECT_EQ(exec(pod->control_port(), "nope").status, 404);
  const auto failed = exec(pod->control_port(), "fail");
  ASSERT_EQ(failed.status, 200);
  EXPECT_EQ(failed.body, json({{"code", 1}, {"stdout", json::array()}}));
  const auto cat_missing = exec(pod->control_port(), "cat missing.txt");
  EXPECT_NE(cat_missing.body["code"], 0);
}

// The command line of a live process, its arguments joined with spaces.
std::string command_line(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::replace(text.begin(), text.end(), '\0', ' ');
  return text;
}

TEST_F(Exec, AToolThatOutlivesItsTimeoutIsKilledAndTheCallerGetsTheTimeoutAnswer) {
  const auto start = std::chrono::steady_clock::now();
  const auto a = exec(pod->control_port(), "sleep 37", {}, {{"X-Timeout", "1"}});
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_EQ(a.status, 200);
  EXPECT_EQ(a.body["code"], 124);
  EXPECT_EQ(a.body["stdout"], json({"timed out"}));
  EXPECT_LT(took, 5s) << "the answer waited for the tool instead of its timeout";
  EXPECT_TRUE(wait_until(
      [&] {
        for (pid_t p : pod->leftovers())
          if (command_line(p).find("sleep 37") != std::string::npos) return false;
        return true;
      },
      2s, "the timed-out tool's process gone"));
  EXPECT_EQ(exec(pod->control_port(), "sleep 1", {}, {{"X-Timeout", "junk"}}).status, 400);
}

TEST_F(Exec, ConcurrentCallsOfOneToolAreCappedWith503) {
  // Two calls of a tool run at once, two more may wait: the rest are refused.
  std::vector<std::future<ExecAnswer>> calls;
  for (int i = 0; i < 6; ++i)
    calls.push_back(std::async(std::launch::async, [&] {
      return exec(pod->control_port(), "sleep 2", {}, {{"X-Timeout", "10"}});
    }));
  int ok = 0, refused = 0;
  for (auto& c : calls) {
    const auto a = c.get();
    ok += a.status == 200 ? 1 : 0;
    refused += a.status == 503 ? 1 : 0;
  }
  EXPECT_EQ(ok + refused, 6);
  EXPECT_GE(refused, 1) << "six calls of one tool all ran or waited";
  EXPECT_GE(ok, 2);
  EXPECT_EQ(exec(pod->control_port(), "echo still here").status, 200);
}

}  // namespace
}  // namespace ochopod::test
