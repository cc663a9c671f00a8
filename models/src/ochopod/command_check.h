// Checks for pods whose sanity logic is not C++: a shell command, an HTTP
// endpoint, a TCP port. `ochopod run --sanity/--health` (cli/) calls them from
// its sanity_check(); any pod may.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "ochopod/reaper.h"

namespace ochopod {

struct CommandResult {
  int wait_status = 0;  // raw, as waitpid gives it: see describe_wait_status()
  std::string out;      // everything written to stdout (capped at 1 MiB)
  std::string err;      // stderr, kept apart so `out` can hold clean JSON (capped at 1 MiB)
  bool timed_out = false;

  bool succeeded() const;  // exited with code 0, in time
};

// Runs `/bin/sh -c cmd` in its own process group, stdin from /dev/null,
// waiting up to timeout. On timeout the whole group is SIGKILLed. When the
// shell exits, whatever it left running in its group is SIGKILLed too, so a
// check never leaks processes. The exit status comes through the Reaper, which
// must be serviced by a SignalThread. Blocks the calling thread; throws
// std::runtime_error only when the shell cannot be started.
CommandResult run_shell_command(Reaper& reaper, const std::string& cmd,
                                std::chrono::duration<double> timeout);

// `http://127.0.0.1:<port>/<path>`: a GET answering 2xx passes.
// `tcp:<port>`: a connection to 127.0.0.1:<port> is accepted.
// Returns nullopt when the check passes, else why it failed (also for a spec
// of neither form). Connect and read are each bounded by timeout.
std::optional<std::string> health_check(const std::string& spec,
                                        std::chrono::duration<double> timeout);

}  // namespace ochopod
