#include "ochopod/upload_signature.h"

#include <algorithm>
#include <cctype>
#include <stdexcept>

#include "runtime/crypto/digest.h"

namespace ochopod {

std::string sign_upload(const std::string& key, const std::string& data) {
  std::string error;
  const auto mac = hmac_sha1(key, data, &error);
  if (!mac) throw std::runtime_error("cannot sign the upload: " + error);
  return "sha1=" + to_hex(*mac);
}

bool upload_signature_matches(const std::string& header, const std::string& key,
                              const std::string& data) {
  const std::string expected = sign_upload(key, data);
  std::string given = header;
  std::transform(given.begin(), given.end(), given.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  // The length is no secret (always 45): only the digits are compared in
  // constant time.
  return equal_in_constant_time(given, expected);
}

}  // namespace ochopod
