#include "harness/spawn.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <system_error>
#include <thread>

extern char** environ;

namespace ochopod::test {

namespace {

using namespace std::chrono_literals;

std::string resolve_program(const std::string& name) {
  if (name.find('/') != std::string::npos) return name;
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    std::string dir = dirs.substr(start, end - start);
    if (dir.empty()) dir = ".";
    const std::string candidate = dir + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    start = end + 1;
  }
  return name;  // exec will fail with ENOENT and spawn() reports it
}

// Everything below runs between fork and exec: async-signal-safe calls only.
[[noreturn]] void child_fail(int err_fd) {
  const int err = errno;
  [[maybe_unused]] ssize_t n = ::write(err_fd, &err, sizeof(err));
  ::_exit(127);
}

void move_fd(int from, int to, int err_fd) {
  if (from == to) {
    const int flags = ::fcntl(to, F_GETFD);
    if (flags < 0 || ::fcntl(to, F_SETFD, flags & ~FD_CLOEXEC) < 0) child_fail(err_fd);
  } else if (::dup2(from, to) < 0) {
    child_fail(err_fd);
  }
}

void close_from(int first, int keep) {
  // close_range is Linux >= 5.9; fall back to a loop.
  if (keep > first) {
    if (::syscall(SYS_close_range, first, keep - 1, 0) != 0) {
      for (int fd = first; fd < keep; ++fd) ::close(fd);
    }
  }
  if (::syscall(SYS_close_range, keep + 1, ~0U, 0) != 0) {
    const long max = ::sysconf(_SC_OPEN_MAX);
    for (long fd = keep + 1; fd < max; ++fd) ::close(static_cast<int>(fd));
  }
}

}  // namespace

std::map<std::string, std::string> environment_with(
    const std::map<std::string, std::string>& overrides) {
  std::map<std::string, std::string> env;
  for (char** e = environ; e && *e; ++e) {
    const std::string entry = *e;
    const size_t eq = entry.find('=');
    if (eq == std::string::npos) continue;
    env[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  for (const auto& [k, v] : overrides) env[k] = v;
  return env;
}

void make_pipes(int (&first)[2], int (&second)[2]) {
  if (::pipe2(first, O_CLOEXEC) != 0) {
    throw std::system_error(errno, std::generic_category(), "pipe2");
  }
  if (::pipe2(second, O_CLOEXEC) != 0) {
    const int err = errno;
    ::close(first[0]);
    ::close(first[1]);
    throw std::system_error(err, std::generic_category(), "pipe2");
  }
}

pid_t spawn(const SpawnOptions& options) {
  if (options.argv.empty()) throw std::invalid_argument("spawn: empty argv");
  // Build every buffer before fork: the child may not allocate.
  const std::string program = resolve_program(options.argv[0]);
  std::vector<char*> argv;
  for (const auto& a : options.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<std::string> env_strings;
  std::vector<char*> envp;
  if (options.env) {
    for (const auto& [k, v] : *options.env) env_strings.push_back(k + "=" + v);
    for (auto& s : env_strings) envp.push_back(s.data());
    envp.push_back(nullptr);
  }
  char* const* child_env = options.env ? envp.data() : environ;

  const int null_fd = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  if (null_fd < 0) throw std::system_error(errno, std::generic_category(), "open /dev/null");
  int err_pipe[2];
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
    const int err = errno;
    ::close(null_fd);
    throw std::system_error(err, std::generic_category(), "pipe2");
  }
  // The child's 0/1/2 sources, first moved above 2 so dup2 never clobbers one
  // with another.
  int sources[3] = {options.stdin_fd, options.stdout_fd, options.stderr_fd};
  int lifted[3];
  for (int i = 0; i < 3; ++i) {
    const int src = sources[i] < 0 ? null_fd : sources[i];
    lifted[i] = ::fcntl(src, F_DUPFD_CLOEXEC, 3);
  }

  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(err_pipe[0]);
    ::setpgid(0, 0);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; ++sig) ::sigaction(sig, &dfl, nullptr);
    for (int i = 0; i < 3; ++i) {
      if (lifted[i] < 0) child_fail(err_pipe[1]);
      move_fd(lifted[i], i, err_pipe[1]);
    }
    close_from(3, err_pipe[1]);
    if (!options.cwd.empty() && ::chdir(options.cwd.c_str()) != 0) child_fail(err_pipe[1]);
    ::execve(program.c_str(), argv.data(), child_env);
    child_fail(err_pipe[1]);
  }
  const int fork_errno = errno;
  ::close(err_pipe[1]);
  ::close(null_fd);
  for (int fd : lifted) {
    if (fd >= 0) ::close(fd);
  }
  if (pid < 0) {
    ::close(err_pipe[0]);
    throw std::system_error(fork_errno, std::generic_category(), "fork");
  }
  ::setpgid(pid, pid);  // also from here, so the group exists when we return
  int child_errno = 0;
  ssize_t n;
  do {
    n = ::read(err_pipe[0], &child_errno, sizeof(child_errno));
  } while (n < 0 && errno == EINTR);
  ::close(err_pipe[0]);
  if (n > 0) {
    int status;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    throw std::system_error(child_errno, std::generic_category(), "exec " + program);
  }
  return pid;
}

pid_t spawn_logging_to(SpawnOptions options, const std::string& log_path) {
  const int log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) throw std::system_error(errno, std::generic_category(), "open " + log_path);
  options.stdout_fd = log_fd;
  options.stderr_fd = log_fd;
  try {
    const pid_t pid = spawn(options);
    ::close(log_fd);
    return pid;
  } catch (...) {
    ::close(log_fd);
    throw;
  }
}

std::optional<int> wait_pid(pid_t pid, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto pause = 1ms;
  while (true) {
    int status = 0;
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return status;
    if (r < 0 && errno != EINTR) return std::nullopt;  // not our child (any more)
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(pause);
    pause = std::min<std::chrono::milliseconds>(pause * 2, 20ms);
  }
}

std::optional<int> kill_and_reap(pid_t pid) {
  ::kill(-pid, SIGKILL);
  ::kill(pid, SIGKILL);
  return wait_pid(pid, 30s);
}

std::string describe_status(int status) {
  if (WIFEXITED(status)) return "exit " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    const char* name = ::strsignal(WTERMSIG(status));
    return "signal " + std::to_string(WTERMSIG(status)) + " (" + (name ? name : "?") + ")";
  }
  return "status " + std::to_string(status);
}

}  // namespace ochopod::test
