// Inputs the libFuzzer targets (tests/fuzz) found breaking a promise, kept as
// plain unit tests so they stay fixed without a fuzz build. Each test names
// the target that found it.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <mutex>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "cli/run/options.h"
#include "models/child/child_output.h"
#include "ochopod/cluster.h"

namespace ochopod {
namespace {

using nlohmann::json;

// fuzz_cluster_payload: a dependency whose pod is not an object made grep()
// throw nlohmann's type_error 306 instead of its documented out_of_range, and
// a pod's "ip" that is not a string type_error 302. A pod's configure() that
// catches out_of_range (the contract) would let these through and fail `on`.
TEST(FuzzRegressions, GrepOfAPodThatIsNotAnObjectIsOutOfRange) {
  const auto c = Cluster::from_payload(
      json::parse(R"({"pods": {"a-uuid": 3}, "dependencies": {"x": {"p": 5}}, "key": "a-uuid"})"));
  EXPECT_THROW((void)c.grep("x", 8080), std::out_of_range);
}

TEST(FuzzRegressions, GrepOfAPodWhoseAddressIsNotAStringIsOutOfRange) {
  const auto c = Cluster::from_payload(json::parse(
      R"({"pods": {}, "dependencies": {"x": {"p": {"ip": 7, "public": [1],
          "ports": {"8080": 31000}}}}})"));
  EXPECT_THROW((void)c.grep("x", 8080, false), std::out_of_range);
  EXPECT_THROW((void)c.grep("x", 8080, true), std::out_of_range);
}

// The messages logged while it lives (the default logger's sinks, plus it).
class CapturedLog {
 public:
  CapturedLog() : previous_(spdlog::default_logger()), sink_(std::make_shared<Sink>()) {
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("captured", sink_));
  }
  ~CapturedLog() { spdlog::set_default_logger(previous_); }
  std::vector<std::string> messages() { return sink_->take(); }

 private:
  class Sink final : public spdlog::sinks::base_sink<std::mutex> {
   public:
    std::vector<std::string> take() {
      std::lock_guard<std::mutex> lock(mutex_);
      return lines_;
    }

   protected:
    void sink_it_(const spdlog::details::log_msg& msg) override {
      lines_.emplace_back(msg.payload.data(), msg.payload.size());
    }
    void flush_() override {}

   private:
    std::vector<std::string> lines_;
  };
  std::shared_ptr<spdlog::logger> previous_;
  std::shared_ptr<Sink> sink_;
};

// Everything `output` logs for what a child wrote (all of it in the pipe,
// then EOF), as the lines after "[child] ".
std::vector<std::string> child_lines(const std::string& output) {
  CapturedLog log;
  int fds[2];
  EXPECT_EQ(::pipe2(fds, O_CLOEXEC), 0);
  EXPECT_EQ(::write(fds[1], output.data(), output.size()), static_cast<ssize_t>(output.size()));
  ::close(fds[1]);
  { detail::ChildOutput reader{detail::UniqueFd(fds[0])}; }  // drains to EOF, joins
  std::vector<std::string> lines;
  for (const auto& m : log.messages()) {
    if (m.rfind("[child] ", 0) == 0) lines.push_back(m.substr(8));
  }
  return lines;
}

// fuzz_child_output: a line whose '\n' arrived in the same 4 KiB read that
// took it past 16 KiB was logged whole (up to 20 KiB): the newline was looked
// for before the length. Here the 3 bytes of "ab\n" shift the 17 000-byte line
// off the read boundaries.
TEST(FuzzRegressions, ChildLinesAreCutAt16KiBWhereverTheirNewlineArrives) {
  const std::string line(17000, 'y');
  const auto lines = child_lines("ab\n" + line + "\r\n");
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], "ab");
  EXPECT_EQ(lines[1], line.substr(0, 16 * 1024));
  EXPECT_EQ(lines[2], line.substr(16 * 1024));  // its CR of CRLF dropped, as for any line
}

// fuzz_run_options: `--tool 'x=\r'` (or ochopod_tool) passed the options
// parser, whose rule only wanted a byte after '=', but CommandTool splits on
// any whitespace, found no command and threw: `ochopod run` aborted at boot
// (uncaught std::invalid_argument, SIGABRT) instead of exiting 2.
TEST(FuzzRegressions, AToolWhoseCommandIsOnlyWhitespaceIsRefusedByTheOptions) {
  for (const std::string spec : {"x=\r", "x=\n", "x=\v\f", "x= \t\r"}) {
    const auto parsed = cli::parse_run_options({"--tool", spec, "--", "true"}, {});
    EXPECT_FALSE(parsed.options) << "spec of " << spec.size() << " bytes accepted";
    const auto from_env = cli::parse_run_options({"--", "true"}, {{"ochopod_tool", spec}});
    EXPECT_FALSE(from_env.options) << "ochopod_tool of " << spec.size() << " bytes accepted";
  }
  EXPECT_TRUE(cli::parse_run_options({"--tool", "x=ls -l", "--", "true"}, {}).options);
}

}  // namespace
}  // namespace ochopod
