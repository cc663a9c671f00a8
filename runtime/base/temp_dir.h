// ScopedTempDir: a private (0700) directory removed with everything in it
// when the object goes. Used for /exec uploads and the child's cluster file.
#pragma once

#include <filesystem>
#include <string>

namespace ochopod {

class ScopedTempDir {
 public:
  // Throws std::system_error if the directory cannot be made.
  explicit ScopedTempDir(const std::string& prefix = "ochopod-");
  ~ScopedTempDir();
  ScopedTempDir(const ScopedTempDir&) = delete;
  ScopedTempDir& operator=(const ScopedTempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace ochopod
