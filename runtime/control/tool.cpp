#include <spdlog/spdlog.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "runtime/base/temp_dir.h"
#include "runtime/control/tool_box.h"
#include "runtime/control/tool_executor.h"

namespace ochopod {

using nlohmann::json;

std::vector<std::string> Tool::parse(const std::string& raw) const {
  if (raw.empty()) return {};
  return {raw};
}

ToolResult Tool::body_within(const std::vector<std::string>& args, const std::filesystem::path& cwd,
                             std::chrono::duration<double>) {
  return body(args, cwd);
}

ToolCancelHook::ToolCancelHook(ToolCancelHook&& other) noexcept
    : call_(std::move(other.call_)), id_(other.id_) {
  other.id_ = 0;
}

ToolCancelHook& ToolCancelHook::operator=(ToolCancelHook&& other) noexcept {
  if (this != &other) {
    reset();
    call_ = std::move(other.call_);
    id_ = other.id_;
    other.id_ = 0;
  }
  return *this;
}

void ToolCancelHook::reset() {
  if (call_ && id_ != 0) call_->remove(id_);
  call_.reset();
  id_ = 0;
}

ToolCancelHook on_tool_cancel(std::function<void()> hook) {
  auto call = CallCancel::current();
  if (!call) return {};
  const uint64_t id = call->add(std::move(hook));
  if (id == 0) return {};
  return ToolCancelHook(std::move(call), id);
}

bool tool_cancelled() {
  const auto call = CallCancel::current();
  return call && call->cancelled();
}

ToolResult timed_out_result() { return ToolResult{124, {"timed out"}}; }

std::vector<std::string> split_arguments(const std::string& raw) {
  std::vector<std::string> out;
  std::istringstream in(raw);
  for (std::string word; in >> word;) out.push_back(word);
  return out;
}

bool ToolBox::add(std::shared_ptr<Tool> tool) {
  const std::string tag = tool ? tool->tag() : "";
  if (tag.empty() || tag.find(' ') != std::string::npos) {
    spdlog::warn("a tool without a usable tag was skipped");
    return false;
  }
  if (!tools_.emplace(tag, std::move(tool)).second) {
    spdlog::warn("tool '{}' registered twice; the first one stays", tag);
    return false;
  }
  return true;
}

namespace {

// A name that stays inside the upload dir: one plain path component.
bool safe_upload_name(const std::string& name) {
  return !name.empty() && name != "." && name != ".." && name.find('/') == std::string::npos &&
         name.find('\0') == std::string::npos && name.find('\\') == std::string::npos;
}

}  // namespace

std::string ToolBox::tag_of(const std::string& shell) {
  const size_t start = shell.find_first_not_of(' ');
  if (start == std::string::npos) return "";
  const size_t end = shell.find(' ', start);
  return shell.substr(start, end == std::string::npos ? end : end - start);
}

std::chrono::duration<double> ToolBox::timeout_of(
    const std::string& tag, std::optional<std::chrono::duration<double>> caller) const {
  const auto own = tools_.at(tag)->timeout();
  return caller ? std::min(own, *caller) : own;
}

ExecReply ToolBox::run(const std::string& shell, std::vector<Upload> uploads,
                       std::optional<std::chrono::duration<double>> timeout) const {
  const std::string tag = tag_of(shell);
  if (tag.empty()) return ExecReply{400, json::object()};
  const size_t end = shell.find(' ', shell.find_first_not_of(' '));
  std::string raw = end == std::string::npos ? "" : shell.substr(end + 1);
  raw.erase(
      0, raw.find_first_not_of(' ') == std::string::npos ? raw.size() : raw.find_first_not_of(' '));
  const auto tool = tools_.find(tag);
  if (tool == tools_.end()) {
    spdlog::warn("/exec: no tool '{}'", tag);
    return ExecReply{404, json::object()};
  }
  for (const auto& upload : uploads) {
    if (!safe_upload_name(upload.name)) {
      spdlog::warn("/exec {}: refused upload name '{}'", tag, upload.name);
      return ExecReply{400, json::object()};
    }
  }
  ToolResult result;
  try {
    ScopedTempDir dir("ochopod-exec-");
    for (const auto& upload : uploads) {
      std::ofstream out(dir.path() / upload.name, std::ios::binary);
      out.write(upload.content.data(), static_cast<std::streamsize>(upload.content.size()));
      if (!out) throw std::runtime_error("cannot write upload " + upload.name);
    }
    std::vector<std::string> args;
    try {
      args = tool->second->parse(raw);
    } catch (const std::invalid_argument& e) {
      return ExecReply{200, json{{"code", 1}, {"stdout", split_lines(e.what())}}};
    }
    spdlog::info("/exec {} ({} upload(s))", tag, uploads.size());
    result = tool->second->body_within(args, dir.path(), timeout_of(tag, timeout));
  } catch (const std::exception& e) {
    spdlog::warn("/exec {} failed: {}", tag, e.what());
    result = ToolResult{1, {std::string("unexpected failure -> ") + e.what()}};
  }
  return ExecReply{200, json{{"code", result.code}, {"stdout", result.lines}}};
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

}  // namespace ochopod
