// Low-level process control shared by every fixture that runs a program
// (ZooKeeper, kazoo scripts, pods): fork/exec into a fresh process group with
// a clean signal state and only the file descriptors asked for, plus waiting
// on (and killing) exactly that pid. Never waitpid(-1).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ochopod::test {

struct SpawnOptions {
  // argv[0] is the program: a path, or a name looked up in $PATH.
  std::vector<std::string> argv;
  // Full environment of the child; nullopt inherits ours.
  std::optional<std::map<std::string, std::string>> env;
  // Descriptors for the child's 0, 1, 2; -1 means /dev/null.
  int stdin_fd = -1;
  int stdout_fd = -1;
  int stderr_fd = -1;
  // Working directory of the child; empty keeps ours.
  std::string cwd;
};

// Starts the program as the leader of a new process group (pgid == pid), with
// default signal dispositions, an empty signal mask and every other inherited
// descriptor closed. Throws std::system_error if fork or exec fails (no zombie
// is left behind).
pid_t spawn(const SpawnOptions& options);

// Two close-on-exec pipes for a child's streams; throws std::system_error,
// leaving neither open, when either cannot be made.
void make_pipes(int (&first)[2], int (&second)[2]);

// spawn() with the child's stdout and stderr appended to the file at
// log_path (created if missing): how fixtures keep a server's or pod's output
// for failure reports.
pid_t spawn_logging_to(SpawnOptions options, const std::string& log_path);

// Our environment merged with overrides (overrides win).
std::map<std::string, std::string> environment_with(
    const std::map<std::string, std::string>& overrides);

// Waits up to timeout for pid (a child of ours) to exit and reaps it.
// Returns its raw wait status, nullopt if still running at the deadline.
std::optional<int> wait_pid(pid_t pid, std::chrono::milliseconds timeout);

// SIGKILLs the process group pgid (and pid itself), then reaps pid.
// Returns its raw wait status (nullopt only if it could not be reaped).
std::optional<int> kill_and_reap(pid_t pid);

// Human-readable form of a raw wait status: "exit 3", "signal 9 (Killed)".
std::string describe_status(int status);

}  // namespace ochopod::test
