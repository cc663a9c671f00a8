// ChildOutput: copies a child's merged stdout/stderr into the pod's log, one
// "[child] <line>" at info level per line (Piped's pipe_subprocess).
//
// ChildProcess (models/piped/child_process.h) owns one per child. A named
// thread ("child-output") reads until EOF; since a grandchild can keep the
// pipe open after the child itself is gone, stop() (and the destructor) does
// not wait for EOF: it takes what is already in the pipe, logs it and joins
// the thread, promptly.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <thread>

#include "models/child/unique_fd.h"

namespace ochopod::detail {

// Bytes in, lines out: cuts a stream at '\n' (dropping a '\r' before it), and
// a line longer than max_line into pieces that split no UTF-8 character, so
// nothing is buffered without bound. Used by ChildOutput's reader thread.
class LineSplitter {
 public:
  using Sink = std::function<void(std::string_view line)>;
  static constexpr size_t kMaxLine = 16 * 1024;

  explicit LineSplitter(Sink sink, size_t max_line = kMaxLine)
      : sink_(std::move(sink)), max_line_(max_line) {}
  void feed(const char* data, size_t size);
  void flush();  // what is left, as a last line

 private:
  // Sends the head of text (at most max_line bytes, whole characters) to the
  // sink; returns its length.
  size_t emit_piece(std::string_view text);

  Sink sink_;
  size_t max_line_;
  std::string buffer_;
};

class ChildOutput {
 public:
  explicit ChildOutput(UniqueFd pipe);
  ~ChildOutput();
  ChildOutput(const ChildOutput&) = delete;
  ChildOutput& operator=(const ChildOutput&) = delete;

  // Drains what the pipe holds now, then ends the reader. Idempotent.
  void stop();

 private:
  void run();

  UniqueFd pipe_;
  UniqueFd wake_;  // eventfd: stop() -> run()
  std::thread thread_;
};

}  // namespace ochopod::detail
