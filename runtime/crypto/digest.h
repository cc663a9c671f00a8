// Digests and MACs: what the control port's token (runtime/control/bearer.h), ZooKeeper's digest
// ACLs (runtime/zk/acl.h), signed uploads (ochopod/upload_signature.h) and
// the UI's secrets compute. OpenSSL computes them, through the crypto module
// (module.h), which the first call loads. Any thread.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "runtime/crypto/backend.h"

namespace ochopod {

using detail::DigestKind;

// A digest fed piecewise, or nullptr with *error set (no crypto module).
std::unique_ptr<detail::DigestState> new_digest(DigestKind kind, std::string* error);

// The raw digest of text, or nullopt with *error set.
std::optional<std::string> digest_of(DigestKind kind, std::string_view text, std::string* error);

// HMAC-SHA1 of data under key, raw, or nullopt with *error set.
std::optional<std::string> hmac_sha1(std::string_view key, std::string_view data,
                                     std::string* error);

// a == b, in a time that depends on their sizes only: for digests and
// secrets of a length that is no secret.
bool equal_in_constant_time(std::string_view a, std::string_view b);

// Lower-case hex of raw bytes, separator between bytes ("" or ":").
std::string to_hex(std::string_view raw, std::string_view separator = "");

// Standard base64 (RFC 4648, with padding) of raw bytes.
std::string to_base64(std::string_view raw);

}  // namespace ochopod
