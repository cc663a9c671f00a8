// Checks for pods whose sanity logic is not C++: an HTTP endpoint, a TCP
// port (a shell command is run_shell_command, ochopod/shell_command.h).
// `ochopod run`'s lifecycle (models/piped/run_lifecycle.h) calls them from
// its sanity_check() and ready(); any pod may.
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace ochopod {

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
