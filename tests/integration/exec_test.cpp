// /exec tools end to end (issue 5): `ochopod run --tool` pods, uploads in a
// private temp dir, traversal names refused, unknown tools 404.
#include <gtest/gtest.h>
#include <httplib.h>

#include <filesystem>

#include "cluster_view.h"
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
                const std::vector<std::pair<std::string, std::string>>& files = {}) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(5, 0);
  client.set_read_timeout(20, 0);
  httplib::MultipartFormDataItems items;
  for (const auto& [name, content] : files) items.push_back({name, content, name, "text/plain"});
  // An empty multipart body is malformed: send no body when there is no file.
  auto result = items.empty()
                    ? client.Post("/exec", httplib::Headers{{"X-Shell", shell}}, "", "text/plain")
                    : client.Post("/exec", httplib::Headers{{"X-Shell", shell}}, items);
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
                                           .with_option("--tool=list=ls -1"));
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

}  // namespace
}  // namespace ochopod::test
