// Loading or generating the servo's token: see token.h.
#include "token.h"

#include <fcntl.h>
#include <ochopod/secret.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace servo {
namespace {

std::string hex(const unsigned char* bytes, size_t n) {
  static const char* const kHex = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    out += kHex[bytes[i] >> 4];
    out += kHex[bytes[i] & 0xf];
  }
  return out;
}

bool write_new_token(const std::string& path, const std::string& token, std::string* error) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path parent = fs::path(path).parent_path();
  if (!parent.empty()) fs::create_directories(parent, ec);
  // mkstemp makes the file 0600 from the start: the token is never readable
  // by anyone else, not even for a moment.
  std::string temporary = path + ".XXXXXX";
  const int fd = ::mkstemp(temporary.data());
  if (fd < 0) {
    *error = "cannot create a file beside " + path + ": " + std::strerror(errno);
    return false;
  }
  const std::string line = token + "\n";
  const bool written = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) &&
                       ::fsync(fd) == 0;
  const int write_errno = errno;
  ::close(fd);
  if (!written || ::rename(temporary.c_str(), path.c_str()) != 0) {
    *error = "cannot write " + path + ": " + std::strerror(written ? errno : write_errno);
    ::unlink(temporary.c_str());
    return false;
  }
  return true;
}

}  // namespace

bool load_or_create_token(const std::string& path, std::string* token, std::string* error) {
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) return ochopod::read_secret_file(path, token, error);
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof bytes) != 1) {
    *error = "no random bytes for a new token";
    return false;
  }
  if (!write_new_token(path, hex(bytes, sizeof bytes), error)) return false;
  // Read back what is there: another servo sharing the file may have won.
  return ochopod::read_secret_file(path, token, error);
}

std::string fingerprint(const std::string& token) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(token.data(), token.size(), digest, &length, EVP_sha256(), nullptr);
  return "sha256:" + hex(digest, length);
}

}  // namespace servo
