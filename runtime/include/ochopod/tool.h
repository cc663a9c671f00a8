// Tools: commands a pod exposes on POST /exec (docs/protocol.md 5, docs/writing-a-pod.md).
//
// A pod's author registers tools at boot; an operator calls one with
// `X-Shell: <tag> <args...>` and optional uploaded files. Each call runs in a
// fresh private temporary directory holding the uploads, removed afterwards.
// Calls run on the tool executor's threads (tool_executor.h), never on the
// control port's I/O thread; each call has a timeout (the tool's, which the
// caller's X-Timeout may shorten).
//
// A call is cancelled when its caller hangs up before the answer or when the
// pod starts to stop. The runtime cannot interrupt body(): a tool whose work
// can be stopped registers how with on_tool_cancel() while that work runs.
// run_shell_command() does so for every command it runs (its process group
// is SIGKILLed), so command tools stop at once; a C++ body that runs no
// process is waited for (a stopping pod answers its caller 503 at once and
// waits for the body before it exits).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
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

class CallCancel;  // the runtime's side of one call (tool_executor.h)

// A hook registered by on_tool_cancel(), for as long as this lives.
class ToolCancelHook {
 public:
  ToolCancelHook() = default;
  ToolCancelHook(ToolCancelHook&& other) noexcept;
  ToolCancelHook& operator=(ToolCancelHook&& other) noexcept;
  ToolCancelHook(const ToolCancelHook&) = delete;
  ToolCancelHook& operator=(const ToolCancelHook&) = delete;
  // Unregisters: once it returns the hook is not running and never will, so
  // what it captured (a pid) may be reused.
  ~ToolCancelHook() { reset(); }
  void reset();

 private:
  friend ToolCancelHook on_tool_cancel(std::function<void()> hook);
  ToolCancelHook(std::shared_ptr<CallCancel> call, uint64_t id) : call_(std::move(call)), id_(id) {}
  std::shared_ptr<CallCancel> call_;
  uint64_t id_ = 0;
};

// Registers hook for the /exec call running on this thread: it runs once if
// the call is cancelled while the returned object lives, on the thread that
// cancels (the control port's or the pod's stop: it must be quick and never
// block, e.g. kill(-pgid, SIGKILL)), or at once on this thread if the call
// was cancelled already. Off an /exec call it does nothing. The hook must not
// register or drop hooks itself.
[[nodiscard]] ToolCancelHook on_tool_cancel(std::function<void()> hook);

// Whether the /exec call running on this thread was cancelled (false off a
// call): a C++ body may poll it to give up early.
bool tool_cancelled();

// What a call that outlived its timeout answers.
ToolResult timed_out_result();

// Splits on runs of spaces: the parse() a tool with plain arguments wants.
std::vector<std::string> split_arguments(const std::string& raw);

// Text -> lines, without their line ends.
std::vector<std::string> split_lines(const std::string& text);

}  // namespace ochopod
