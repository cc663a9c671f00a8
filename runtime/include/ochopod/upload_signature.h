// Upload signatures: `X-Signature: sha1=<hex>`, the HMAC-SHA1 of an upload
// keyed by a shared secret (as `openssl dgst -sha1 -hmac <secret> file`
// computes it).
//
// `ochopod servo` (cli/servo/command.cpp) signs its uploads with it; the
// servo example checks them with it. Any thread. Both throw
// std::runtime_error if OpenSSL cannot be loaded (its module,
// libochopod-crypto.so, is missing from the install).
#pragma once

#include <string>

namespace ochopod {

// "sha1=<40 lowercase hex digits>".
std::string sign_upload(const std::string& key, const std::string& data);

// Whether header is sign_upload(key, data); hex digits in any case. Compared in
// constant time, so a caller cannot learn the signature byte by byte.
bool upload_signature_matches(const std::string& header, const std::string& key,
                              const std::string& data);

}  // namespace ochopod
