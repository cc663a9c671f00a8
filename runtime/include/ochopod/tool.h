// Tools: commands a pod exposes on POST /exec (PROTOCOL.md 5, EXAMPLES.md).
//
// A pod's author registers tools at boot; an operator calls one with
// `X-Shell: <tag> <args...>` and optional uploaded files. Each call runs in a
// fresh private temporary directory holding the uploads, removed afterwards.
// Calls run on the tool executor's threads (tool_executor.h), never on the
// control port's I/O thread; each call has a timeout (the tool's, which the
// caller's X-Timeout may shorten).
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ochopod/control_server.h"

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

  // How long one call may take. When it passes the caller gets the timeout
  // answer (code 124, "timed out") whether or not body() returned.
  virtual std::chrono::duration<double> timeout() const { return std::chrono::seconds(300); }

  // body() bounded by timeout: tools that can stop their work override it
  // (command tools kill their process group). The default runs body(): a
  // body that overruns keeps its thread (and its place under the tool's
  // concurrency cap) until it returns.
  virtual ToolResult body_within(const std::vector<std::string>& args,
                                 const std::filesystem::path& cwd,
                                 std::chrono::duration<double> timeout);
};

// What a call that outlived its timeout answers.
ToolResult timed_out_result();

// Splits on runs of spaces: the parse() a tool with plain arguments wants.
std::vector<std::string> split_arguments(const std::string& raw);

// Text -> lines, without their line ends.
std::vector<std::string> split_lines(const std::string& text);

// The registered tools, and how an /exec call reaches one.
class ToolBox {
 public:
  // Refuses (false, logged) a tool without a tag or with a tag already taken.
  bool add(std::shared_ptr<Tool> tool);
  bool empty() const { return tools_.empty(); }

  // The tag of an X-Shell line ("" for a blank line).
  static std::string tag_of(const std::string& shell);
  bool has(const std::string& tag) const { return tools_.count(tag) != 0; }
  // The tool's timeout, shortened by the caller's if given. tag must exist.
  std::chrono::duration<double> timeout_of(
      const std::string& tag, std::optional<std::chrono::duration<double>> caller) const;

  // Runs one /exec call. 404 for an unknown tag, 400 for an upload name that
  // would leave the temp dir (absolute, "..", "/", NUL) or an empty header.
  // Blocks for up to the call's timeout (timeout_of) plus the tool's cleanup.
  ExecReply run(const std::string& shell, std::vector<Upload> uploads,
                std::optional<std::chrono::duration<double>> timeout = std::nullopt) const;

 private:
  std::map<std::string, std::shared_ptr<Tool>> tools_;
};

}  // namespace ochopod
