// Tools: commands a pod exposes on POST /exec (PROTOCOL.md 5, EXAMPLES.md).
//
// A pod's author registers tools at boot; an operator calls one with
// `X-Shell: <tag> <args...>` and optional uploaded files. Each call runs in a
// fresh private temporary directory holding the uploads, removed afterwards.
// Tools run on the HTTP thread that received the call.
// Public API: a pod's author subclasses Tool and hands it to boot().
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace ochopod {

struct ToolResult {
  int code = 0;
  std::vector<std::string> lines;  // what the caller sees as "stdout"
};

class Tool {
 public:
  virtual ~Tool() = default;

  // Mandatory; a tool with an empty tag is skipped.
  virtual std::string tag() const = 0;

  // Turns the raw argument string into arguments. Throw std::invalid_argument
  // to answer code 1 with its message (usage, help). Default: no parsing, the
  // raw string as the only argument (empty string: no argument).
  virtual std::vector<std::string> parse(const std::string& raw) const;

  // The work. cwd holds the uploads. Throwing answers code 1 with
  // "unexpected failure -> <what>".
  virtual ToolResult body(const std::vector<std::string>& args,
                          const std::filesystem::path& cwd) = 0;
};

// Splits on runs of spaces: the parse() a tool with plain arguments wants.
std::vector<std::string> split_arguments(const std::string& raw);

// Text -> lines, without their line ends.
std::vector<std::string> split_lines(const std::string& text);

}  // namespace ochopod
