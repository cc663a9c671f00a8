// RunResult / run_capture: runs a short-lived program to completion with a
// deadline and captures its stdout and stderr separately (read together, so a
// full pipe never deadlocks). Used for kazoo one-shot scripts; handy for any
// "run this tool and look at what it printed" test step.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace ochopod::test {

struct RunResult {
  std::optional<int> status;  // raw wait status; nullopt if it had to be killed
  bool timed_out = false;
  std::string out;
  std::string err;
  bool exited_ok() const;  // exited with code 0
};

// Runs argv (argv[0] a path or a $PATH name) with stdin from /dev/null. On
// timeout the process group is SIGKILLed and reaped. Throws only when the
// program cannot be started.
RunResult run_capture(const std::vector<std::string>& argv, std::chrono::milliseconds timeout);

}  // namespace ochopod::test
