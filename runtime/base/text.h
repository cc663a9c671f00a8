// Text that leaves the pod: JSON serialization and UTF-8 boundaries; and
// the one trim every reader of outside text uses.
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
#include <span>
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

// What trim() takes off unless told otherwise: the C locale's isspace().
inline constexpr std::string_view kSpaces = " \t\n\v\f\r";

// s without the leading and trailing bytes found in `spaces`. Readers keep
// the set their format defines (HTTP's optional whitespace is " \t"), so a
// byte that means something there is never lost. A view into s.
std::string_view trim(std::string_view s, std::string_view spaces = kSpaces);

// s without its trailing line ends (\n, \r): a line as a process wrote it.
std::string_view chomp(std::string_view s);

// "a, b or c": the words a value must be one of, for an error message.
std::string one_of(std::span<const std::string_view> words);

}  // namespace ochopod
