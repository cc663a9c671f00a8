// Untrusted text made safe to show: child log lines, registrations, /info
// values, tool output. Every string a page, a fragment or the JSON API shows
// passes through here once, on the server (docs/ui.md "Safe by
// construction"). Pure functions, any thread.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace ochopod::cli::ui {

// Valid UTF-8, control characters shown: invalid sequences become U+FFFD,
// ANSI escape sequences (CSI, OSC, two-byte ESC x) are removed, and other C0
// controls but \t become U+2400 + c (the "control pictures"); \n is kept
// only when keep_newlines.
std::string clean_text(std::string_view raw, bool keep_newlines = false);

// clean_text, then HTML-escaped for element content and quoted attribute
// values alike: & < > " ' become entities.
std::string html(std::string_view raw);

// A copy of a registration or /info object with the values of secret-looking
// keys (any key containing token, password, passwd, secret, credential or key
// with "private", case-insensitive; at any depth) replaced by "********".
nlohmann::json mask_secrets(const nlohmann::json& value);

// fnmatch(3) of the operator commands' globs ("shop.*").
bool glob_match(std::string_view glob, std::string_view name);

}  // namespace ochopod::cli::ui
