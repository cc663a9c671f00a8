// ChildOutput: copies a piped child's stdout and stderr into the pod's log,
// line by line, each tagged with the child's name: its stdout lines to the
// pod's stdout, its stderr lines to the pod's stderr (log::child_line,
// runtime/pod/log.h, says how they look in text and in json).
//
// ChildProcess (models/piped/child_process.h) owns one per child, created
// on the lifecycle thread. Every ChildOutput of the process registers its
// pipes with one OutputReader (OutputReader::shared()), whose named thread
// ("child-output") reads all of them with epoll: one thread however many
// children and jobs run. That thread starts with the first registration and
// ends when the last one goes, so a pod without piped children has none.
// Since a grandchild can keep a pipe open after the child itself is gone,
// stop() (and the destructor) does not wait for EOF: it takes what the pipes
// hold now, logs it and unregisters, promptly.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "runtime/base/unique_fd.h"
#include "runtime/pod/log.h"

namespace ochopod::detail {

// Bytes in, lines out: cuts a stream at '\n' (dropping a '\r' before it), and
// a line longer than max_line into pieces that split no UTF-8 character, so
// nothing is buffered without bound. Used by the reader thread, one per
// stream, so two streams never mix within a line.
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

// The one thread that reads the pipes of every registered child. Its sink is
// called on that thread only, one whole line at a time; tests give their own.
// add() and remove() may be called from any thread (not from the sink).
class OutputReader {
 public:
  using Sink = std::function<void(log::Stream stream, std::string_view tag, std::string_view line)>;
  using Id = uint64_t;

  // Throws std::runtime_error when epoll or the wake-up eventfd cannot be made.
  explicit OutputReader(Sink sink);
  // Ends the thread, if one still runs, without draining anything.
  ~OutputReader();
  OutputReader(const OutputReader&) = delete;
  OutputReader& operator=(const OutputReader&) = delete;

  // The process's reader, whose sink is log::child_line.
  static OutputReader& shared();

  // Starts reading out and err (either may be empty) as `tag`'s, starting
  // the thread if none runs. Throws std::runtime_error if it cannot start.
  Id add(UniqueFd out, UniqueFd err, std::string tag);
  // Reads what the pipes hold now (up to a bound: a grandchild that never
  // stops writing must not hold us), sends the unfinished lines as lines,
  // closes them; returns once done. The last one to go ends the thread.
  void remove(Id id);

 private:
  struct Source {
    Id id;
    log::Stream stream;
    std::string tag;
    UniqueFd fd;  // empty once at EOF (the lines are flushed then)
    LineSplitter lines;
  };
  struct Command {
    enum class Kind { kAdd, kRemove, kQuit } kind;
    Id id = 0;
    UniqueFd out, err;
    std::string tag;
  };

  void run();
  void post(Command command);  // under nothing; wakes the thread
  bool take_commands();        // false once told to quit
  void watch(Id id, log::Stream stream, UniqueFd fd, const std::string& tag);
  bool read_once(Source& source);  // false at EOF or on an error
  void drain(Source& source);      // then end()
  void end(Source& source);        // flushes its last line, closes it
  void stop_thread();              // under control_mu_

  Sink sink_;
  UniqueFd epoll_, wake_;
  std::vector<char> buffer_;  // the reader thread's

  // Serializes add() and remove(), so a thread is never started while the
  // previous one is ending. The reader thread never takes it.
  std::mutex control_mu_;
  std::thread thread_;     // under control_mu_
  size_t registered_ = 0;  // under control_mu_
  Id next_id_ = 1;         // under control_mu_

  std::mutex mu_;  // the mailbox between add()/remove() and the thread
  std::condition_variable removed_cv_;
  std::deque<Command> commands_;  // under mu_
  std::set<Id> removed_;          // under mu_: removals done, not yet seen by remove()

  // The reader thread's own: a source per stream, keyed id * 2 + stream.
  std::map<uint64_t, Source> sources_;
};

class ChildOutput {
 public:
  // Registers the child's pipes with `reader` (either may be empty). Throws
  // std::runtime_error when the reader cannot start.
  ChildOutput(UniqueFd out, UniqueFd err = UniqueFd(), std::string tag = "child",
              OutputReader& reader = OutputReader::shared());
  ~ChildOutput();
  ChildOutput(const ChildOutput&) = delete;
  ChildOutput& operator=(const ChildOutput&) = delete;

  // Drains what the pipes hold now, then unregisters. Idempotent.
  void stop();

 private:
  OutputReader& reader_;
  OutputReader::Id id_ = 0;  // 0 once stopped
};

}  // namespace ochopod::detail
