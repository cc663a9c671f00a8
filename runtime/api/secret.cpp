#include "ochopod/secret.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace ochopod {

namespace {

constexpr char kSpace[] = " \t\r\n\f\v";

}  // namespace

bool trim_secret(std::string value, const std::string& what, std::string* secret,
                 std::string* error) {
  const size_t first = value.find_first_not_of(kSpace);
  if (first == std::string::npos) {
    *error = what + " is empty";
    return false;
  }
  const size_t last = value.find_last_not_of(kSpace);
  *secret = value.substr(first, last - first + 1);
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
