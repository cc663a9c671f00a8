// ochopod-guard, the guardian program (runtime/process/guardian.h): what a
// pod spawns at boot to kill its process groups should it die.
//
// A program of its own rather than a fork of the pod: the pod pays no copy
// of its page tables and no copy-on-write faults for it, and the guardian
// holds nothing of the pod's memory (its token, its credentials). It links
// libc alone (guardian_wire.h says why that holds) and is spawned with
// every catchable signal blocked, in a process group of its own, with no
// environment, /dev/null as stdin and stdout, the pod's stderr (for a
// sanitizer's report) and its end of the pod's socket pair as fd 3, nothing
// else. No logging: nothing it could say is worth a line in the pod's log,
// and the pod may be gone.
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include "runtime/process/guardian_wire.h"

namespace {

namespace guardian = ochopod::guardian;

constexpr int kPodSocket = guardian::kSocketFd;
constexpr int kSweepMs = 100;  // while a released group still has members

bool group_exists(pid_t pgid) { return ::kill(-pgid, 0) == 0 || errno != ESRCH; }

bool started_by_a_pod() {
  int type = 0;
  socklen_t size = sizeof type;
  return ::getsockopt(kPodSocket, SOL_SOCKET, SO_TYPE, &type, &size) == 0 && type == SOCK_SEQPACKET;
}

}  // namespace

int main(int argc, char**) {
  if (argc != 1 || !started_by_a_pod()) {
    static const char kUsage[] =
        "ochopod-guard: started by an ochopod pod only, which hands it a socket as fd 3\n";
    (void)!::write(STDERR_FILENO, kUsage, sizeof kUsage - 1);
    return 2;
  }
  guardian::WatchSet groups;
  for (;;) {
    pollfd p{kPodSocket, POLLIN, 0};
    const int ready = ::poll(&p, 1, groups.pending() ? kSweepMs : -1);
    if (ready > 0) {
      unsigned char frame[2 * guardian::kMessageSize];
      const ssize_t n = ::recv(kPodSocket, frame, sizeof frame, 0);
      if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) {
        // EOF: the pod is gone (or has stopped). No leftovers.
        groups.for_each_group([](pid_t pgid) { ::kill(-pgid, SIGKILL); });
        ::_exit(0);
      }
      if (n > 0) {
        // A frame that does not decode, or a group that cannot be stored
        // (out of memory), is dropped: the guardian must outlive the pod.
        if (auto message = guardian::decode(frame, static_cast<std::size_t>(n))) {
          (void)groups.apply(*message);
        }
      }
    }
    groups.sweep(group_exists);
  }
}
