#include "runtime/control/bearer.h"

#include <spdlog/spdlog.h>
#include <strings.h>

#include "runtime/crypto/digest.h"

namespace ochopod {

bool bearer_matches(std::string_view authorization, std::string_view token) {
  if (token.empty()) return false;
  constexpr std::string_view kScheme = "Bearer ";
  const bool scheme = authorization.size() >= kScheme.size() &&
                      ::strncasecmp(authorization.data(), kScheme.data(), kScheme.size()) == 0;
  const std::string_view given = scheme ? authorization.substr(kScheme.size()) : std::string_view();
  // Digests have one length whatever the inputs, so comparing them leaks
  // neither the token's length nor where a guess goes wrong.
  std::string error;
  const auto a = digest_of(DigestKind::kSha256, given, &error);
  const auto b = a ? digest_of(DigestKind::kSha256, token, &error) : std::nullopt;
  if (!a || !b) {
    spdlog::error("control port: cannot check a bearer token, refused ({})", error);
    return false;
  }
  return scheme && equal_in_constant_time(*a, *b);
}

}  // namespace ochopod
