#include "models/templates/recycled_file.h"

#include <fcntl.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "models/templates/atomic_file.h"
#include "runtime/base/unique_fd.h"

namespace ochopod::detail {

namespace {

// Whether nobody but us has the file open (or mapped): a write lease is
// granted only then. Dropped at once: it is a question, not a lock. Only
// the spare's hidden name reaches the file while we write it. Should
// someone open that name in the instant the lease is held, the kernel
// tells us with a signal: SIGIO unless told otherwise, whose default ends
// the process. SIGURG instead, whose default is to ignore it and which
// nothing of ours handles.
bool nobody_else_has_it_open(int fd) {
  if (::fcntl(fd, F_SETSIG, SIGURG) != 0) return false;
  if (::fcntl(fd, F_SETLEASE, F_WRLCK) != 0) return false;
  if (::fcntl(fd, F_SETLEASE, F_UNLCK) != 0) {
    // Held until the caller closes fd: not ours to write then.
    spdlog::warn("cannot drop the write lease on fd {}: {}", fd, std::strerror(errno));
    return false;
  }
  return true;
}

// The spare, open for writing: the version before the current one when it
// is a regular file of ours that nobody holds and no other name links,
// else a new file in its place.
UniqueFd open_spare(const std::string& spare, bool* recycled) {
  // Not blocking: a FIFO or a leased file planted there must not hold the
  // lifecycle thread.
  UniqueFd fd(::open(spare.c_str(), O_WRONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
  if (fd) {
    struct stat st {};
    if (::fstat(fd.get(), &st) == 0 && S_ISREG(st.st_mode) && st.st_nlink == 1 &&
        st.st_uid == ::geteuid() && nobody_else_has_it_open(fd.get())) {
      *recycled = true;
      return fd;
    }
    fd.reset();
  }
  *recycled = false;
  if (::unlink(spare.c_str()) != 0 && errno != ENOENT) {
    throw std::runtime_error("cannot remove " + spare + ": " + std::strerror(errno));
  }
  fd = UniqueFd(::open(spare.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!fd) throw std::runtime_error("cannot create " + spare + ": " + std::strerror(errno));
  return fd;
}

}  // namespace

RecycledFile::RecycledFile(std::string path, mode_t mode)
    : path_(std::move(path)), spare_(hidden_sibling(path_, ".spare")), mode_(mode) {}

RecycledFile::~RecycledFile() {
  if (::unlink(spare_.c_str()) != 0 && errno != ENOENT) {
    spdlog::warn("cannot remove {}: {}", spare_, std::strerror(errno));
  }
}

void RecycledFile::write(std::initializer_list<std::string_view> parts) {
  bool recycled = false;
  UniqueFd fd = open_spare(spare_, &recycled);
  const auto fail = [&](const std::string& what) {
    throw std::runtime_error("cannot " + what + ": " + std::strerror(errno));
  };
  const off_t at = write_parts(fd.get(), parts);
  if (at < 0) fail("write " + spare_);
  if (recycled && ::ftruncate(fd.get(), at) != 0) fail("truncate " + spare_);
  // A new file is 0600: give it the mode asked for, umask aside.
  if (!recycled && ::fchmod(fd.get(), mode_) != 0) fail("set the mode of " + spare_);
  if (::close(fd.release()) != 0) fail("write " + spare_);
  // Swapped with a regular file only: what else a child put there (a FIFO,
  // a link, a directory) is replaced or refused, as a rename does.
  struct stat st {};
  if (::lstat(path_.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
      ::renameat2(AT_FDCWD, spare_.c_str(), AT_FDCWD, path_.c_str(), RENAME_EXCHANGE) == 0) {
    return;
  }
  if (::rename(spare_.c_str(), path_.c_str()) != 0) fail("rename " + spare_ + " to " + path_);
}

}  // namespace ochopod::detail
