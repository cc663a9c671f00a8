// command_argv: the argv a Configuration stands for (docs/lifecycle.md, "Starting the child").
//
// Used by PipedController before each spawn. `command` is split on spaces
// (runs of spaces count as one), or handed whole to /bin/sh -c when shell is
// on; an explicit argv (ochopod run -- argv...) is kept exactly, or joined
// with spaces for /bin/sh -c.
#pragma once

#include <string>
#include <vector>

#include "ochopod/lifecycle.h"

namespace ochopod::detail {

inline std::vector<std::string> command_argv(const Configuration& config, bool shell) {
  if (config.argv) {
    if (!shell) return *config.argv;
    std::string joined;
    for (const auto& arg : *config.argv) joined += (joined.empty() ? "" : " ") + arg;
    return {"/bin/sh", "-c", joined};
  }
  if (shell) return {"/bin/sh", "-c", config.command};
  std::vector<std::string> argv;
  size_t start = 0;
  while (start < config.command.size()) {
    size_t end = config.command.find(' ', start);
    if (end == std::string::npos) end = config.command.size();
    if (end > start) argv.push_back(config.command.substr(start, end - start));
    start = end + 1;
  }
  return argv;
}

}  // namespace ochopod::detail
