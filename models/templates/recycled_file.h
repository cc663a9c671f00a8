// RecycledFile: a file the pod replaces again and again while a child may
// read it at any moment: OCHOPOD_CLUSTER (models/piped/cluster_file.h),
// rewritten at every round that changes the cluster. Like
// write_file_atomically() (atomic_file.h), a reader sees the old version or
// the new one, never half of one, and a version a reader holds open never
// changes under it. Unlike it, a new version does not take new pages.
//
// The new version is written over the one before the current, kept under a
// hidden name beside the path (`.<name>.spare`), and the two names are
// swapped in one renameat2(RENAME_EXCHANGE). The spare is written over only
// if no process has it open or mapped: a write lease, taken and dropped at
// once, says so (the kernel refuses it while any other open file refers to
// the file). Otherwise, or where the file system cannot lease or exchange,
// the new version goes to a new file, then a rename, as
// write_file_atomically() does. Each new tmpfs file of a large cluster cost
// a page allocated for every 4 KiB and the old ones freed, at every round
// (bench/README.md, "Then: the cluster file's pages recycled").
//
// Called on the lifecycle thread; not thread-safe.
#pragma once

#include <sys/types.h>

#include <initializer_list>
#include <string>
#include <string_view>

namespace ochopod::detail {

class RecycledFile {
 public:
  RecycledFile(std::string path, mode_t mode);
  // Removes the spare (the pod's, not the child's).
  ~RecycledFile();
  RecycledFile(const RecycledFile&) = delete;
  RecycledFile& operator=(const RecycledFile&) = delete;

  // Replaces the file with `parts` written one after the other. Throws
  // std::runtime_error naming the path and the reason; the file is as it
  // was then.
  void write(std::initializer_list<std::string_view> parts);

  const std::string& path() const { return path_; }
  const std::string& spare() const { return spare_; }

 private:
  std::string path_;
  std::string spare_;
  mode_t mode_;
};

}  // namespace ochopod::detail
