// Tools backed by commands (docs/writing-a-pod.md "Tools").
//
// CommandTool is what `ochopod run --tool tag=command` registers: the command
// is split on spaces (no shell), the call's arguments are appended as
// separate arguments, and it runs in the upload dir. ShellTool is ochopod's
// stock `shell` tool, a remote shell: nothing registers it unless the pod's
// author asks for it by name.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "ochopod/tool.h"

namespace ochopod {

class CommandTool final : public Tool {
 public:
  // spec is "<tag>=<command>"; throws std::invalid_argument if malformed.
  explicit CommandTool(const std::string& spec,
                       std::chrono::duration<double> timeout = std::chrono::seconds(300));
  std::string tag() const override { return tag_; }
  std::vector<std::string> parse(const std::string& raw) const override;
  ToolResult body(const std::vector<std::string>& args, const std::filesystem::path& cwd) override;
  std::chrono::duration<double> timeout() const override { return timeout_; }
  // Kills the command's process group when timeout passes.
  ToolResult body_within(const std::vector<std::string>& args, const std::filesystem::path& cwd,
                         std::chrono::duration<double> timeout) override;

 private:
  std::string tag_;
  std::vector<std::string> command_;
  std::chrono::duration<double> timeout_;
};

class ShellTool final : public Tool {
 public:
  explicit ShellTool(std::chrono::duration<double> timeout = std::chrono::seconds(300));
  std::string tag() const override { return "shell"; }
  ToolResult body(const std::vector<std::string>& args, const std::filesystem::path& cwd) override;
  std::chrono::duration<double> timeout() const override { return timeout_; }
  ToolResult body_within(const std::vector<std::string>& args, const std::filesystem::path& cwd,
                         std::chrono::duration<double> timeout) override;

 private:
  std::chrono::duration<double> timeout_;
};

// 'it'\''s' -> safe as one word for /bin/sh.
std::string shell_quote(const std::string& word);

}  // namespace ochopod
