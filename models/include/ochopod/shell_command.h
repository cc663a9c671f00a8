// run_shell_command: how a pod's callbacks run a command (a sanity probe, a
// reload, a backup script), and the one `ochopod run --sanity`, `--probe` and
// the /exec tools use.
//
//   std::optional<nlohmann::json> sanity_check(const ochopod::Process&) override {
//     const auto r = ochopod::run_shell_command("redis-cli ping", std::chrono::seconds(5));
//     if (!r.succeeded()) throw std::runtime_error("ping: " + r.err);
//     return std::nullopt;
//   }
//
// Prefer it to popen()/std::system(): those work in a pod (the runtime never
// reaps a process it did not start), but their children inherit the pod's
// blocked signals, share its process group and have no timeout. This one
// starts the command clean (own process group, default signals, stdin from
// /dev/null, no inherited descriptors, killed if the pod dies), captures
// stdout and stderr apart, and never leaks what the command left running.
// Callable from any thread, any number at once; it blocks its caller.
#pragma once

#include <chrono>
#include <string>

namespace ochopod {

struct CommandResult {
  int wait_status = 0;  // raw, as waitpid gives it: WIFEXITED(wait_status)...
  std::string out;      // everything written to stdout (capped at 1 MiB)
  std::string err;      // stderr, kept apart so `out` can hold clean JSON (capped at 1 MiB)
  bool timed_out = false;

  bool succeeded() const;  // exited with code 0, in time
};

// Runs `/bin/sh -c cmd` and waits up to timeout for it. On timeout the whole
// process group is SIGKILLed (timed_out is set); when the shell exits,
// whatever it left running in its group is SIGKILLed too. Run by a tool, the
// group is also SIGKILLed as soon as its /exec call is cancelled (its caller
// hung up, the pod stops: on_tool_cancel() in ochopod/tool.h). Throws
// std::runtime_error only when the shell cannot be started.
CommandResult run_shell_command(const std::string& cmd, std::chrono::duration<double> timeout);

}  // namespace ochopod
