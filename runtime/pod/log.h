// Logging: one spdlog logger ("ochopod", also the default logger) writing to
// the console, to an in-memory ring that /log serves, and optionally to a
// rotating file; two more ("child") for the lines of piped children: one
// whose console is the pod's stdout (a child's stdout lines), one whose
// console is the pod's stderr (its stderr lines), with the ring and the file.
//
// Two formats for the console and the file (--log-format, ochopod_log_format):
// text ("2026-01-01 12:00:00.000 I [lifecycle] message", a child's line with
// the message "[<tag>] <line>"), or json, one object a line for log shippers:
// {"time", "level", "thread", "message", "cluster", "namespace", "seq" (once
// registered), and for a child's line "stream": "stdout"|"stderr" and
// "source": its tag, the message being the child's own text}. The ring stays
// text: /log is read by people and by ochothon.
//
// Set up once by the pod at boot (setup() may be called again, e.g. by tests;
// the ring survives). Synchronous logger with _mt sinks: the async one blocks
// when full and breaks across fork (docs/internals.md, "Traps in our dependencies").
#pragma once

#include <spdlog/sinks/sink.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ochopod::log {

enum class Format { kText, kJson };

// The names of the formats, in the order of Format.
inline constexpr std::array<std::string_view, 2> kFormatNames = {"text", "json"};

// One of kFormatNames, nothing else.
std::optional<Format> parse_format(std::string_view name);

struct Options {
  bool debug = true;
  bool console = true;
  std::string file;               // rotating file if not empty
  size_t ring_bytes = 32 * 1024;  // what /log can show
  Format format = Format::kText;  // of the console and the file
  std::string cluster, ns;        // named in every json line
  // Given to both loggers with their own formatting (a fuzzer or a test
  // watching what is logged, the child's lines included).
  std::vector<std::shared_ptr<spdlog::sinks::sink>> extra_sinks;
};

void setup(const Options& options);

// The pod's seq, named in every json line from now on (any thread: the
// coordinator once registered, or the solo pod at boot).
void set_seq(int64_t seq);

// Which of a child's streams a line came from, and where it goes.
enum class Stream { kStdout, kStderr };

// One line of a piped child's output (the child-output thread; any thread
// may call it, a line is written whole): logged at info to the pod's stdout
// or stderr as `stream` says, and to the ring and the file, as
// "[<tag>] <line>" in text, with the line as the message in json. Before
// setup() (a test of the pieces) it goes to the default logger.
void child_line(std::string_view line, std::string_view tag = "child",
                Stream stream = Stream::kStderr);

// The ring's lines, oldest first, formatted like the console and each ending
// with '\n' as the original ochopod's entries do (ochothon joins them as is).
std::vector<std::string> recent();

}  // namespace ochopod::log
