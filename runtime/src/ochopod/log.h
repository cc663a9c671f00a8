// Logging: one spdlog logger ("ochopod", also the default logger) writing to
// the console, to an in-memory ring that /log serves, and optionally to a
// rotating file.
//
// Set up once by the pod at boot (setup() may be called again, e.g. by tests;
// the ring survives). Synchronous logger with _mt sinks: the async one blocks
// when full and breaks across fork (docs/internals.md, "Traps in our dependencies").
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace ochopod::log {

struct Options {
  bool debug = true;
  bool console = true;
  std::string file;               // rotating file if not empty
  size_t ring_bytes = 32 * 1024;  // what /log can show
};

void setup(const Options& options);

// The ring's lines, oldest first, formatted like the console and each ending
// with '\n' as the original ochopod's entries do (ochothon joins them as is).
std::vector<std::string> recent();

}  // namespace ochopod::log
