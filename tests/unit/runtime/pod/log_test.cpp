// log::setup with Format::kJson: one JSON object a line with the fields log
// shippers read, seq once known, a child's line as its own message; the ring
// (/log) stays text. Writes to a file sink (the console stays out of it).
#include "runtime/pod/log.h"

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

namespace ochopod {
namespace {

std::vector<std::string> lines_of(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

class LogFormat : public testing::Test {
 protected:
  // Tests before these may have registered a pod in this process.
  void SetUp() override { log::set_seq(-1); }
  void TearDown() override {
    log::set_seq(-1);
    log::setup(log::Options{});  // the defaults the other tests run with
    std::filesystem::remove(path_);
  }
  std::string path_ = (std::filesystem::temp_directory_path() /
                       ("ochopod-log-format-" + std::to_string(::getpid()) + ".log"))
                          .string();
};

TEST_F(LogFormat, JsonLinesNameTheirPodAndThreadAndKeepAChildsText) {
  log::Options options;
  options.console = false;
  options.file = path_;
  options.format = log::Format::kJson;
  options.cluster = "web";
  options.ns = "shop";
  log::setup(options);
  spdlog::info("before \"registration\"\twith a tab");
  log::set_seq(7);
  spdlog::warn("registered");
  log::child_line("GET / 200 {\"not\": \"ours\"}");
  log::child_line(std::string("bad \xff byte"));
  spdlog::default_logger()->flush();

  const auto lines = lines_of(path_);
  ASSERT_EQ(lines.size(), 4u);
  std::vector<nlohmann::json> parsed;
  for (const auto& line : lines) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    ASSERT_TRUE(j.is_object()) << line;
    for (const char* key : {"time", "level", "thread", "message", "cluster", "namespace"}) {
      EXPECT_TRUE(j.contains(key)) << key << " missing in " << line;
    }
    EXPECT_EQ(j["cluster"], "web");
    EXPECT_EQ(j["namespace"], "shop");
    parsed.push_back(std::move(j));
  }
  EXPECT_EQ(parsed[0]["message"], "before \"registration\"\twith a tab");
  EXPECT_EQ(parsed[0]["level"], "info");
  EXPECT_FALSE(parsed[0].contains("seq")) << "no seq before registration";
  EXPECT_EQ(parsed[1]["level"], "warning");
  EXPECT_EQ(parsed[1]["seq"], 7);
  EXPECT_EQ(parsed[2]["message"], "GET / 200 {\"not\": \"ours\"}");
  EXPECT_EQ(parsed[2]["source"], "child");
  EXPECT_FALSE(parsed[1].contains("source"));
  // RFC 3339 in UTC with milliseconds: 2026-01-01T12:00:00.000Z.
  const std::string time = parsed[0]["time"];
  ASSERT_EQ(time.size(), 24u) << time;
  EXPECT_EQ(time[10], 'T');
  EXPECT_EQ(time.back(), 'Z');

  // /log keeps its text lines, a child's with its prefix.
  const auto recent = log::recent();
  ASSERT_GE(recent.size(), 3u);
  EXPECT_NE(recent[recent.size() - 2].find("[child] GET / 200"), std::string::npos)
      << recent[recent.size() - 2];
  EXPECT_EQ(recent.back().front(), '2') << recent.back();
}

TEST_F(LogFormat, TextIsThePatternWithChildLinesPrefixed) {
  log::Options options;
  options.console = false;
  options.file = path_;
  log::setup(options);
  spdlog::info("plain");
  log::child_line("from the child");
  spdlog::default_logger()->flush();
  const auto lines = lines_of(path_);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_NE(lines[0].find(" I ["), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find("] plain"), std::string::npos) << lines[0];
  EXPECT_NE(lines[1].find("] [child] from the child"), std::string::npos) << lines[1];
}

TEST(LogFormatNames, OnlyTextAndJson) {
  EXPECT_EQ(log::parse_format("text"), log::Format::kText);
  EXPECT_EQ(log::parse_format("json"), log::Format::kJson);
  EXPECT_FALSE(log::parse_format("JSON"));
  EXPECT_FALSE(log::parse_format(""));
}

}  // namespace
}  // namespace ochopod
