// Decrypting `*.aes` uploads: the format of
// `openssl enc -aes-256-cbc -pbkdf2 -salt -pass pass:<token>`, i.e.
// "Salted__" + an 8-byte salt, then AES-256-CBC (PKCS#7 padding) with key and
// IV from PBKDF2-HMAC-SHA256, 10000 iterations (openssl enc's default).
//
// runner.cpp calls decrypt_tree() on an unpacked upload before any script
// runs. Any thread.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace servo {

// The clear text, or nullopt if data is not in that format or does not
// decrypt with password (wrong password: the padding check fails).
std::optional<std::string> decrypt_openssl_enc(const std::string& data,
                                               const std::string& password);

// Every regular file under dir named *.aes is replaced by its clear text
// under the name without the suffix (same permissions). Returns the relative
// name of the first that does not decrypt (the tree is then partly
// decrypted), or nullopt when all did.
std::optional<std::string> decrypt_tree(const std::filesystem::path& dir,
                                        const std::string& password);

}  // namespace servo
