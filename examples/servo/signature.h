// The servo's upload signature: `X-Signature: sha1=<hex>`, the HMAC-SHA1 of
// the archive keyed by the servo's token (what the original servo asked of
// its callers: `openssl dgst -sha1 -hmac <token> upload.tgz`).
//
// `ochopod servo` (cli/servo_command.cpp) signs with it; the servo
// (server.cpp) checks with it. Like tgz.h it depends on nothing of ochopod's
// (OpenSSL only), so both compile this one file. Any thread.
#pragma once

#include <string>

namespace servo {

// "sha1=<40 lowercase hex digits>".
std::string sign(const std::string& key, const std::string& data);

// Whether header is sign(key, data); hex digits in any case. Compared in
// constant time, so a caller cannot learn the signature byte by byte.
bool signature_matches(const std::string& header, const std::string& key, const std::string& data);

}  // namespace servo
