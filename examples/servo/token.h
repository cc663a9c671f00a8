// The servo's secret token: read from --servo-token-file, or made at first
// boot and written there, and its public fingerprint.
//
// main.cpp calls load_or_create_token() once before the pod boots (so the
// HTTP child always finds the file) and shows fingerprint() in /info's
// metrics; the child (server.cpp) reads the file again with
// ochopod::read_secret_file(). The token itself is never logged, never in
// /info, never in a child's environment. Main thread.
#pragma once

#include <string>

namespace servo {

// The token in path; when there is no such file, 32 random bytes as hex
// (safe to paste into `openssl enc -pass pass:<token>`), written atomically
// with mode 0600 (a temporary file in the same directory, then renamed). False
// with *error naming the path, never the token.
bool load_or_create_token(const std::string& path, std::string* token, std::string* error);

// "sha256:<hex>" of the token: what an operator compares with the token they hold.
std::string fingerprint(const std::string& token);

}  // namespace servo
