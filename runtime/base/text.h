// Text that leaves the pod: JSON serialization and UTF-8 boundaries.
//
// Whatever the pod serializes (answers of the control port, registrations,
// hints in the child's environment, round bodies, snapshots and hashes) can
// hold bytes written by others: a child's output, a probe's status, an
// environment value. nlohmann::json::dump() throws on invalid UTF-8, so every
// serialization in the pod goes through to_json(), which replaces invalid
// sequences with U+FFFD instead. Pure functions, any thread.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace ochopod {

// j as compact JSON (indent < 0) or indented; never throws on bad bytes.
std::string to_json(const nlohmann::json& j, int indent = -1);

// The largest n <= max such that cutting text at n does not split a UTF-8
// character (text.size() when it is not longer than max). Bytes that are not
// UTF-8 are cut anywhere: only real characters are kept whole. Returns at
// least 1 for a non-empty text and max > 0, so a caller cutting in a loop
// always progresses.
size_t utf8_cut(std::string_view text, size_t max);

// ASCII case-insensitive equality: how HTTP compares header and parameter
// names.
bool iequals(std::string_view a, std::string_view b);

}  // namespace ochopod
