// A child's merged stdout/stderr as a --pipe pod reads it (ChildOutput: line
// splitting, long lines cut in pieces, '\r' of CRLF dropped), then /log's
// answer built from the log ring the lines went to.
//
// Input: the bytes the child writes before it exits (at most 60 000, so they
// fit in the pipe and the reader sees them end with EOF).
#include <fcntl.h>
#include <spdlog/sinks/base_sink.h>
#include <unistd.h>

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "fuzz_support.h"
#include "models/child/child_output.h"
#include "runtime/pod/log.h"

using ochopod::fuzz::check;

namespace {

// The messages as logged, for the splitting promises.
class Capture final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  struct Line {
    bool child;  // logged on the "child" logger (else: a pipe error, say)
    std::string text;
  };
  std::vector<Line> take() {
    std::lock_guard<std::mutex> lock(mutex_);
    return std::move(lines_);
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    // A child's line is its own message on the "child" logger.
    lines_.push_back(
        {msg.logger_name == "child", std::string(msg.payload.data(), msg.payload.size())});
  }
  void flush_() override {}

 private:
  std::vector<Line> lines_;
};

std::string without_line_ends(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c != '\n' && c != '\r') out.push_back(c);
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::shared_ptr<Capture> capture = [] {
    auto c = std::make_shared<Capture>();
    ochopod::log::Options options;
    options.debug = false;
    options.console = false;
    options.extra_sinks = {c};
    ochopod::log::setup(options);
    return c;
  }();
  if (size > 60000) return 0;
  int fds[2];
  check(::pipe2(fds, O_CLOEXEC) == 0, "pipe2");
  const ssize_t written = ::write(fds[1], data, size);
  check(written == static_cast<ssize_t>(size), "the pipe holds the input");
  ::close(fds[1]);
  {
    ochopod::detail::ChildOutput output{ochopod::detail::UniqueFd(fds[0])};
  }  // its destructor drains what the pipe holds and joins

  std::string logged;
  for (const auto& message : capture->take()) {
    check(message.child, "every message is a child line");
    const std::string_view line = message.text;
    check(line.find('\n') == std::string_view::npos, "a line holds no newline");
    check(line.size() <= 16 * 1024, "lines are cut at 16 KiB");
    logged += line;
  }
  check(without_line_ends(logged) ==
            without_line_ends(std::string_view(reinterpret_cast<const char*>(data), size)),
        "every byte but line ends is logged, in order");

  // /log: the ring's lines as a JSON array (pod.cpp's handler), answered.
  const nlohmann::json log = ochopod::log::recent();
  ochopod::fuzz::serializes([&] { (void)ochopod::fuzz::reply_text(log); });
  return 0;
}
