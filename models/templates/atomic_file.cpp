#include "models/templates/atomic_file.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include "runtime/base/unique_fd.h"

namespace ochopod::detail {

void write_file_atomically(const std::string& path, std::string_view content, mode_t mode) {
  write_file_atomically(path, {content}, mode);
}

std::string hidden_sibling(const std::string& path, std::string_view suffix) {
  const auto slash = path.rfind('/');
  const size_t name = slash == std::string::npos ? 0 : slash + 1;
  std::string sibling = path.substr(0, name) + "." + path.substr(name);
  sibling.append(suffix);
  return sibling;
}

void write_file_atomically(const std::string& path, std::initializer_list<std::string_view> parts,
                           mode_t mode) {
  std::string tmp = hidden_sibling(path, ".XXXXXX");
  UniqueFd fd(::mkstemp(tmp.data()));
  if (!fd) throw std::runtime_error("cannot create " + tmp + ": " + std::strerror(errno));
  const auto fail = [&](const std::string& what) {
    const std::string why = std::strerror(errno);
    ::unlink(tmp.c_str());
    throw std::runtime_error("cannot " + what + ": " + why);
  };
  if (write_parts(fd.get(), parts) < 0) fail("write " + tmp);
  // mkstemp makes it 0600: give it the mode asked for, umask aside.
  if (::fchmod(fd.get(), mode) != 0) fail("set the mode of " + tmp);
  if (::close(fd.release()) != 0) fail("write " + tmp);
  if (::rename(tmp.c_str(), path.c_str()) != 0) fail("rename " + tmp + " to " + path);
}

off_t write_parts(int fd, std::initializer_list<std::string_view> parts) {
  off_t at = 0;
  for (const std::string_view content : parts) {
    for (size_t done = 0; done < content.size();) {
      const ssize_t n = ::pwrite(fd, content.data() + done, content.size() - done, at);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return -1;
      done += static_cast<size_t>(n);
      at += n;
    }
  }
  return at;
}

}  // namespace ochopod::detail
