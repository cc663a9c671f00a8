// A child's wait status (waitpid's raw int) as people and shells read it.
//
// Whoever waits for a process ends up saying how it ended: a log line
// ("exit code 3", "signal 9 (Killed)"), or a number as a shell's $? gives it
// (the exit code, 128 + the signal that ended it) for /metrics, an /exec
// answer or PID 1's own exit. Pure functions, any thread.
#pragma once

#include <optional>
#include <string>

namespace ochopod {

// "exit code 3", "signal 9 (Killed)"; "unknown status" for -1, what the
// reaper hands over when someone else took the status (reaper.h).
std::string describe_wait_status(int wait_status);

// The exit code, or 128 + the signal that ended the process; nullopt for a
// status that says neither (-1).
std::optional<int> shell_exit_code(int wait_status);

}  // namespace ochopod
