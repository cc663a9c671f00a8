#include "runtime/crypto/digest.h"

#include "runtime/crypto/module.h"

namespace ochopod {

std::unique_ptr<detail::DigestState> new_digest(DigestKind kind, std::string* error) {
  const auto* backend = crypto_backend(error);
  if (backend == nullptr) return nullptr;
  auto state = backend->digest(kind);
  if (state == nullptr) *error = "OpenSSL cannot make this digest";
  return state;
}

std::optional<std::string> digest_of(DigestKind kind, std::string_view text, std::string* error) {
  auto state = new_digest(kind, error);
  if (state == nullptr) return std::nullopt;
  state->add(text);
  return state->finish();
}

std::optional<std::string> hmac_sha1(std::string_view key, std::string_view data,
                                     std::string* error) {
  const auto* backend = crypto_backend(error);
  if (backend == nullptr) return std::nullopt;
  std::string mac = backend->hmac_sha1(key, data);
  if (mac.empty()) {
    *error = "OpenSSL cannot compute an HMAC-SHA1";
    return std::nullopt;
  }
  return mac;
}

bool equal_in_constant_time(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  // volatile: the compiler may not stop at the first difference.
  volatile unsigned char differ = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    differ = differ | static_cast<unsigned char>(a[i] ^ b[i]);
  }
  return differ == 0;
}

std::string to_hex(std::string_view raw, std::string_view separator) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(raw.size() * (2 + separator.size()));
  for (size_t i = 0; i < raw.size(); ++i) {
    if (i > 0) out += separator;
    const auto byte = static_cast<unsigned char>(raw[i]);
    out += kHex[byte >> 4];
    out += kHex[byte & 0xf];
  }
  return out;
}

std::string to_base64(std::string_view raw) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((raw.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= raw.size(); i += 3) {
    const unsigned v = static_cast<unsigned char>(raw[i]) << 16 |
                       static_cast<unsigned char>(raw[i + 1]) << 8 |
                       static_cast<unsigned char>(raw[i + 2]);
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (const size_t left = raw.size() - i; left > 0) {
    unsigned v = static_cast<unsigned char>(raw[i]) << 16;
    if (left == 2) v |= static_cast<unsigned char>(raw[i + 1]) << 8;
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += left == 2 ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

}  // namespace ochopod
