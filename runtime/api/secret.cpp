#include "ochopod/secret.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "runtime/base/text.h"

namespace ochopod {

bool trim_secret(std::string value, const std::string& what, std::string* secret,
                 std::string* error) {
  const std::string_view trimmed = trim(value);
  if (trimmed.empty()) {
    *error = what + " is empty";
    return false;
  }
  *secret = std::string(trimmed);
  return true;
}

bool read_secret_file(const std::string& path, std::string* secret, std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = "cannot read " + path + ": " + std::strerror(errno);
    return false;
  }
  std::ostringstream content;
  content << in.rdbuf();
  if (in.bad()) {
    *error = "cannot read " + path;
    return false;
  }
  return trim_secret(content.str(), "the secret in " + path, secret, error);
}

}  // namespace ochopod
