// UniqueFd: owns one file descriptor and closes it once.
//
// Internal to the library: the pipes between the pod and its children (spawn,
// ChildOutput, run_shell_command) are passed around as UniqueFds so no error
// path can leak a descriptor into the next child; the release of the boot's
// code (runtime/process/code_pages.cpp) reads /proc/self/pagemap through one.
#pragma once

#include <unistd.h>

#include <utility>

namespace ochopod::detail {

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd() { reset(); }
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) {
      reset();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;

  int get() const { return fd_; }
  explicit operator bool() const { return fd_ >= 0; }
  int release() { return std::exchange(fd_, -1); }  // the caller closes it now
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

}  // namespace ochopod::detail
