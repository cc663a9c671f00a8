#include "runtime/base/temp_dir.h"

#include <spdlog/spdlog.h>
#include <stdlib.h>

#include <cerrno>
#include <system_error>

namespace ochopod {

ScopedTempDir::ScopedTempDir(const std::string& prefix) {
  std::string pattern = (std::filesystem::temp_directory_path() / (prefix + "XXXXXX")).string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw std::system_error(errno, std::generic_category(), "mkdtemp " + pattern);
  }
  path_ = pattern;
}

ScopedTempDir::~ScopedTempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
  if (ec) spdlog::warn("cannot remove {}: {}", path_.string(), ec.message());
}

}  // namespace ochopod
