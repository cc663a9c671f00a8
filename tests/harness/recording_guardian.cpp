#include "harness/recording_guardian.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

#include "runtime/process/guardian.h"

namespace ochopod::test {

RecordingGuardian::RecordingGuardian() {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) != 0) {
    throw std::runtime_error(std::string("socketpair failed: ") + std::strerror(errno));
  }
  const int on = 1;
  if (::setsockopt(fds[1], SOL_SOCKET, SO_PASSCRED, &on, sizeof on) != 0) {
    const int error = errno;
    ::close(fds[0]);
    ::close(fds[1]);
    throw std::runtime_error(std::string("SO_PASSCRED refused: ") + std::strerror(error));
  }
  end_ = fds[1];
  Guardian::process().use_socket(fds[0]);
}

RecordingGuardian::~RecordingGuardian() {
  Guardian::process().stop();
  ::close(end_);
}

std::vector<GuardianFrame> RecordingGuardian::frames() const {
  std::vector<GuardianFrame> out;
  for (;;) {
    unsigned char data[2 * guardian::kMessageSize];
    alignas(cmsghdr) unsigned char control[CMSG_SPACE(sizeof(ucred))];
    iovec iov{data, sizeof data};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    const ssize_t n = ::recvmsg(end_, &msg, MSG_DONTWAIT);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return out;
    const auto message = guardian::decode(data, static_cast<std::size_t>(n));
    const cmsghdr* c = CMSG_FIRSTHDR(&msg);
    if (!message || c == nullptr || c->cmsg_type != SCM_CREDENTIALS) {
      ADD_FAILURE() << "the guardian got a frame that does not decode, or without its sender";
      continue;
    }
    ucred cred;
    std::memcpy(&cred, CMSG_DATA(c), sizeof cred);
    out.push_back({*message, cred.pid});
  }
}

}  // namespace ochopod::test
