// Checks for pods whose sanity logic is not C++: a shell command
// (run_shell_command, in shell_command.h), an HTTP endpoint, a TCP port.
// `ochopod run --sanity/--health` (cli/) calls them from its sanity_check();
// any pod may.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "ochopod/shell_command.h"
#include "runtime/process/reaper.h"

namespace ochopod {

// Kept for callers written when commands needed the Reaper; it is unused.
inline CommandResult run_shell_command(Reaper&, const std::string& cmd,
                                       std::chrono::duration<double> timeout) {
  return run_shell_command(cmd, timeout);
}

// A --health target, parsed. Only addresses that need no name lookup, so a
// check never blocks the lifecycle thread on DNS: an IPv4 literal, a
// bracketed IPv6 literal, or `localhost` (taken as 127.0.0.1, not resolved).
struct HealthTarget {
  enum class Kind { http, tcp } kind = Kind::tcp;
  std::string host = "127.0.0.1";  // numeric, without brackets
  int port = 0;
  std::string path = "/";  // http only
};

// `http://<ip>:<port>[/<path>]` or `tcp:<port>` (127.0.0.1) or
// `tcp:<ip>:<port>`; nullopt (and *error, if given, says why) otherwise.
std::optional<HealthTarget> parse_health_target(const std::string& spec,
                                                std::string* error = nullptr);

// `http://...`: a GET answering 2xx passes. `tcp:...`: a connection is accepted.
// Returns nullopt when the check passes, else why it failed (also for a spec
// parse_health_target() refuses). Connect and read are each bounded by timeout.
std::optional<std::string> health_check(const std::string& spec,
                                        std::chrono::duration<double> timeout);

}  // namespace ochopod
