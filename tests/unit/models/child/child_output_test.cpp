// The child's output cut into lines that never split a UTF-8 character
// (models/child/child_output.h; the cutting rule is runtime's utf8_cut).
#include "models/child/child_output.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace ochopod {
namespace {

const std::string kE = "\xC3\xA9";         // 2 bytes
const std::string kEuro = "\xE2\x82\xAC";  // 3 bytes

TEST(LineSplitter, LongLinesAreCutOnCharacterBoundaries) {
  std::vector<std::string> lines;
  detail::LineSplitter splitter([&](std::string_view l) { lines.emplace_back(l); }, 7);
  std::string input = "x";
  for (int i = 0; i < 6; ++i) input += kE;  // 13 bytes, no newline yet
  input += "\r\nnext";
  splitter.feed(input.data(), input.size());
  splitter.flush();
  std::string joined;
  for (size_t i = 0; i + 1 < lines.size(); ++i) {
    EXPECT_LE(lines[i].size(), 7u);
    EXPECT_FALSE(
        nlohmann::json::parse(nlohmann::json(lines[i]).dump(), nullptr, false).is_discarded())
        << "piece " << i << " split a character";
    joined += lines[i];
  }
  ASSERT_GE(lines.size(), 3u);
  EXPECT_EQ(joined, input.substr(0, 13)) << "nothing lost, the \\r dropped";
  EXPECT_EQ(lines.back(), "next");
}

TEST(LineSplitter, BytesArrivingOneAtATime) {
  std::vector<std::string> lines;
  detail::LineSplitter splitter([&](std::string_view l) { lines.emplace_back(l); }, 4);
  const std::string input = kEuro + kEuro + "\n";
  for (char c : input) splitter.feed(&c, 1);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0], kEuro);
  EXPECT_EQ(lines[1], kEuro);
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
TEST(ChildOutput, ChildLinesAreCutAt16KiBWhereverTheirNewlineArrives) {
  const std::string line(17000, 'y');
  const auto lines = child_lines("ab\n" + line + "\r\n");
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], "ab");
  EXPECT_EQ(lines[1], line.substr(0, 16 * 1024));
  EXPECT_EQ(lines[2], line.substr(16 * 1024));  // its CR of CRLF dropped, as for any line
}

}  // namespace
}  // namespace ochopod
