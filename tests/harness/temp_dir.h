// TempDir: a private scratch directory for one fixture (ZooKeeper data, pod
// logs, configs). Created with mkdtemp under $TMPDIR (or /tmp) and removed
// recursively when the object dies. Set OCHOPOD_TEST_KEEP=1 to keep it for a
// post-mortem.
#pragma once

#include <filesystem>
#include <string>

namespace ochopod::test {

class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "ochopod-test-");
  ~TempDir();
  TempDir(TempDir&& other) noexcept;
  TempDir& operator=(TempDir&& other) noexcept;
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // path() / name, as a string (the file need not exist).
  std::string file(const std::string& name) const;

 private:
  void remove();
  std::filesystem::path path_;
};

}  // namespace ochopod::test
