// Small file helpers for fixtures: read a whole log, write a config, show the
// end of a log when a test failed.
#pragma once

#include <cstddef>
#include <string>

namespace ochopod::test {

// Whole content; empty if the file cannot be read.
std::string read_text(const std::string& path);

// Creates or truncates path with content; throws std::runtime_error on failure.
void write_text(const std::string& path, const std::string& content);

// The last n lines of text.
std::string last_lines(const std::string& text, std::size_t n);

// If the running test has already failed (or an exception is unwinding),
// prints the last lines of the log at
// path to stderr under a header naming what it is (fixtures call this when
// they are torn down, so failures come with their evidence).
void dump_log_if_failed(const std::string& what, const std::string& path, std::size_t n = 80);

}  // namespace ochopod::test
