#include "runtime/control/bearer.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <strings.h>

namespace ochopod {

namespace {

// Digests have one length whatever the inputs, so comparing them leaks
// neither the token's length nor where a guess goes wrong.
void digest(std::string_view text, unsigned char out[SHA256_DIGEST_LENGTH]) {
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), out);
}

}  // namespace

bool bearer_matches(std::string_view authorization, std::string_view token) {
  if (token.empty()) return false;
  constexpr std::string_view kScheme = "Bearer ";
  const bool scheme = authorization.size() >= kScheme.size() &&
                      ::strncasecmp(authorization.data(), kScheme.data(), kScheme.size()) == 0;
  const std::string_view given = scheme ? authorization.substr(kScheme.size()) : std::string_view();
  unsigned char a[SHA256_DIGEST_LENGTH], b[SHA256_DIGEST_LENGTH];
  digest(given, a);
  digest(token, b);
  return scheme && CRYPTO_memcmp(a, b, sizeof a) == 0;
}

}  // namespace ochopod
