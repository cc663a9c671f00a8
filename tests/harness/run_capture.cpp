#include "harness/run_capture.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

#include "harness/spawn.h"

namespace ochopod::test {

using namespace std::chrono_literals;

bool RunResult::exited_ok() const {
  return status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0;
}

RunResult run_capture(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
  int out_pipe[2];
  int err_pipe[2];
  make_pipes(out_pipe, err_pipe);
  SpawnOptions options;
  options.argv = argv;
  options.stdout_fd = out_pipe[1];
  options.stderr_fd = err_pipe[1];
  pid_t pid;
  try {
    pid = spawn(options);
  } catch (...) {
    for (int fd : {out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1]}) ::close(fd);
    throw;
  }
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);

  RunResult result;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  std::string* sinks[2] = {&result.out, &result.err};
  int open_count = 2;
  while (open_count > 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left <= 0ms) {
      result.timed_out = true;
      break;
    }
    const int r = ::poll(fds, 2, static_cast<int>(left.count()));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      char buf[4096];
      const ssize_t n = ::read(fds[i].fd, buf, sizeof(buf));
      if (n > 0) {
        sinks[i]->append(buf, static_cast<size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open_count;
      }
    }
  }
  for (auto& p : fds) {
    if (p.fd >= 0) ::close(p.fd);
  }
  if (result.timed_out) {
    kill_and_reap(pid);  // killed: status stays nullopt
    return result;
  }
  // Both pipes hit EOF: the process is exiting (or a grandchild holds them,
  // which our scripts never do); give it the rest of the deadline.
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  result.status = wait_pid(pid, std::max(left, 100ms));
  if (!result.status) {
    result.timed_out = true;
    kill_and_reap(pid);
  }
  return result;
}

}  // namespace ochopod::test
