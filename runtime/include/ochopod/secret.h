// Reading a secret (a control token, a servo's signing key) from a file.
//
// `ochopod run --token-file`, the bindings' `ochopod_token_file`, the operator
// commands' `--token-file` and pods such as the servo example all read their
// secrets here, so every one trims the same way and no error message ever
// carries the secret itself (docs/protocol.md, "Security"). Any thread.
#pragma once

#include <string>

namespace ochopod {

// The file's content without surrounding whitespace (so the final newline of
// `echo token > file` does not count). False, with *error naming the path and
// never the content, if it cannot be read or holds nothing but whitespace.
bool read_secret_file(const std::string& path, std::string* secret, std::string* error);

// The same trimming for a secret given inline (an environment variable);
// false with *error naming `what` if nothing is left.
bool trim_secret(std::string value, const std::string& what, std::string* secret,
                 std::string* error);

}  // namespace ochopod
