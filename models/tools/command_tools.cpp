#include "models/tools/command_tools.h"

#include <sys/wait.h>

#include <algorithm>
#include <stdexcept>

#include "ochopod/shell_command.h"
#include "runtime/base/wait_status.h"

namespace ochopod {

std::string shell_quote(const std::string& word) {
  // Built char by char: g++ 12 -O3 warns falsely (-Wrestrict, GCC bug
  // 105329) on appending string literals here.
  std::string out(1, '\'');
  for (char c : word) {
    if (c == '\'') {
      for (char e : {'\'', '\\', '\'', '\''}) out.push_back(e);
    } else {
      out.push_back(c);
    }
  }
  out.push_back('\'');
  return out;
}

namespace {

ToolResult to_tool_result(const CommandResult& r) {
  ToolResult out;
  out.lines = split_lines(r.out);
  if (r.timed_out) {
    out.code = 124;
    out.lines.push_back("timed out");
  } else {
    out.code = shell_exit_code(r.wait_status).value_or(128);
  }
  return out;
}

std::string in_dir(const std::filesystem::path& cwd, const std::string& command) {
  return "cd " + shell_quote(cwd.string()) + " && " + command;
}

}  // namespace

CommandTool::CommandTool(const std::string& spec, std::chrono::duration<double> timeout)
    : timeout_(timeout) {
  const size_t eq = spec.find('=');
  if (eq == std::string::npos || eq == 0) {
    throw std::invalid_argument("tool '" + spec + "' is not <tag>=<command>");
  }
  tag_ = spec.substr(0, eq);
  command_ = split_arguments(spec.substr(eq + 1));
  if (command_.empty()) throw std::invalid_argument("tool '" + tag_ + "' has no command");
}

std::vector<std::string> CommandTool::parse(const std::string& raw) const {
  return split_arguments(raw);
}

ToolResult CommandTool::body(const std::vector<std::string>& args,
                             const std::filesystem::path& cwd) {
  return body_within(args, cwd, timeout_);
}

ToolResult CommandTool::body_within(const std::vector<std::string>& args,
                                    const std::filesystem::path& cwd,
                                    std::chrono::duration<double> timeout) {
  // Every word is quoted: the shell only changes directory and execs, the
  // arguments reach the command exactly as split.
  std::string line = "exec";
  for (const auto& word : command_) line += " " + shell_quote(word);
  for (const auto& word : args) line += " " + shell_quote(word);
  return to_tool_result(run_shell_command(in_dir(cwd, line), std::min(timeout, timeout_)));
}

ShellTool::ShellTool(std::chrono::duration<double> timeout) : timeout_(timeout) {}

ToolResult ShellTool::body(const std::vector<std::string>& args, const std::filesystem::path& cwd) {
  return body_within(args, cwd, timeout_);
}

ToolResult ShellTool::body_within(const std::vector<std::string>& args,
                                  const std::filesystem::path& cwd,
                                  std::chrono::duration<double> timeout) {
  const std::string command = args.empty() ? "true" : args.front();
  // run_shell_command kills the shell's whole group at the timeout.
  return to_tool_result(run_shell_command(in_dir(cwd, command), std::min(timeout, timeout_)));
}

}  // namespace ochopod
