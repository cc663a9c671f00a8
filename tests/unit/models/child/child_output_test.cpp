// The children's output (models/child/child_output.h): cut into lines that
// never split a UTF-8 character (the cutting rule is runtime's utf8_cut),
// read for every child by one thread, each line tagged with its child and
// sent on the stream it came from, never mixed with another's within a line.
#include "models/child/child_output.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <tuple>
#include <vector>

#include "harness/proc_tree.h"
#include "harness/wait.h"
#include "models/child/spawn.h"

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

// What an OutputReader sent, as "<stream> [<tag>] <line>", and a wait for it
// (the reader's thread calls the sink).
class Lines {
 public:
  detail::OutputReader::Sink sink() {
    return [this](log::Stream stream, std::string_view tag, std::string_view line) {
      std::lock_guard<std::mutex> lock(mu_);
      lines_.push_back(std::string(stream == log::Stream::kStdout ? "out" : "err") + " [" +
                       std::string(tag) + "] " + std::string(line));
      cv_.notify_all();
    };
  }
  // The lines once there are at least n, or what there is after 10 s.
  std::vector<std::string> wait_for(size_t n) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, std::chrono::seconds(10), [&] { return lines_.size() >= n; });
    return lines_;
  }
  std::vector<std::string> all() {
    std::lock_guard<std::mutex> lock(mu_);
    return lines_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> lines_;
};

struct Pipe {
  detail::UniqueFd read, write;
};
Pipe make_pipe() {
  int fds[2];
  EXPECT_EQ(::pipe2(fds, O_CLOEXEC), 0);
  return {detail::UniqueFd(fds[0]), detail::UniqueFd(fds[1])};
}
void write_all(const detail::UniqueFd& fd, const std::string& text) {
  ASSERT_EQ(::write(fd.get(), text.data(), text.size()), static_cast<ssize_t>(text.size()));
}

// The threads of this process named "child-output".
int reader_threads() { return test::threads_named("child-output"); }

TEST(OutputReader, TwoChildrenShareOneThreadAndEachLineKeepsItsTagAndStream) {
  Lines lines;
  detail::OutputReader reader(lines.sink());
  EXPECT_EQ(reader_threads(), 0) << "no thread before the first child";
  Pipe web_out = make_pipe(), web_err = make_pipe(), shipper_out = make_pipe();
  detail::ChildOutput web(std::move(web_out.read), std::move(web_err.read), "web", reader);
  detail::ChildOutput shipper(std::move(shipper_out.read), detail::UniqueFd(), "shipper", reader);
  EXPECT_EQ(reader_threads(), 1) << "one reader for both children";

  // Halves of lines, from both children in turn: each comes out whole.
  write_all(web_out.write, "GET /");
  write_all(shipper_out.write, "shipped ");
  write_all(web_err.write, "warn");
  write_all(web_out.write, " 200\n");
  write_all(shipper_out.write, "12 lines\n");
  write_all(web_err.write, "ing: slow\n");
  auto got = lines.wait_for(3);
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got,
            (std::vector<std::string>{"err [web] warning: slow", "out [shipper] shipped 12 lines",
                                      "out [web] GET / 200"}));

  // stop() takes what the pipes hold now, the unfinished line included,
  // although the write ends stay open (a grandchild keeping them).
  write_all(web_out.write, "last words");
  web.stop();
  EXPECT_EQ(lines.all().back(), "out [web] last words");
  EXPECT_EQ(reader_threads(), 1) << "the shipper is still read";
  shipper.stop();
  // Joined, though the kernel may list it for a moment more.
  EXPECT_TRUE(test::wait_until([] { return reader_threads() == 0; }, std::chrono::seconds(10),
                               "the thread to go with the last child"));

  // And comes back with the next one.
  Pipe again = make_pipe();
  detail::ChildOutput next(std::move(again.read), detail::UniqueFd(), "web", reader);
  write_all(again.write, "restarted\n");
  EXPECT_EQ(lines.wait_for(5).back(), "out [web] restarted");
  EXPECT_EQ(reader_threads(), 1);
}

TEST(OutputReader, AChildThatClosedItsPipesIsStillStoppedCleanly) {
  Lines lines;
  detail::OutputReader reader(lines.sink());
  Pipe out = make_pipe();
  detail::ChildOutput output(std::move(out.read), detail::UniqueFd(), "job", reader);
  write_all(out.write, "no newline at the end");
  out.write.reset();  // EOF: the last line is sent then, not at stop()
  EXPECT_EQ(lines.wait_for(1), std::vector<std::string>{"out [job] no newline at the end"});
  output.stop();
  output.stop();  // idempotent
  EXPECT_EQ(lines.all().size(), 1u);
}

// A real child with separate pipes (spawn's Output::separate), as a piped
// child runs.
TEST(OutputReader, ASpawnedChildsStdoutAndStderrStayApart) {
  Lines lines;
  detail::OutputReader reader(lines.sink());
  detail::SpawnRequest request;
  request.argv = {"/bin/sh", "-c", "echo to-out; echo to-err >&2; printf 'tail'"};
  request.output = detail::Output::separate;
  request.null_stdin = true;
  detail::Spawned child = detail::spawn_unwatched(request);
  detail::ChildOutput output(std::move(child.out), std::move(child.err), "child", reader);
  int status = 0;
  ASSERT_EQ(::waitpid(child.pid, &status, 0), child.pid);
  output.stop();
  auto got = lines.all();
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector<std::string>{"err [child] to-err", "out [child] tail",
                                           "out [child] to-out"}));
}

}  // namespace
}  // namespace ochopod
