#include "models/child/spawn.h"

#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iterator>
#include <map>
#include <mutex>
#include <stdexcept>
#include <system_error>

#include "runtime/base/environment.h"
#include "runtime/process/guardian.h"
#include "runtime/zk/address.h"

namespace ochopod::detail {

namespace {

// A step of the child's setup that failed, handed to the pod as one int on
// a close-on-exec pipe (whose end at the exec tells the pod the child runs):
// step * kStepUnit + errno (errno values stay far below kStepUnit). A pipe
// rather than the memory the child shares with the pod: where vfork is a
// fork (ThreadSanitizer makes it one) the pod still learns of a failure,
// and still waits for the exec.
enum class Step { kExec = 0, kGroups, kGid, kUid, kTerminal, kChdir };
constexpr int kStepUnit = 1 << 16;

// In the order of Step.
constexpr const char* kStepNames[] = {
    "exec", "setgroups", "setgid", "setuid", "tcsetpgrp (taking the terminal)", "chdir"};

const char* step_name(Step step) {
  const auto i = static_cast<size_t>(step);
  return i < std::size(kStepNames) ? kStepNames[i] : "exec";
}

// Everything the child does between vfork and exec. The child runs in the
// pod's memory, on the spawning thread's stack, while the pod's other
// threads run on: only system calls, nothing that allocates, takes a lock
// or writes anything but this stack (the pod's errno aside). No logging.
//
// vfork rather than fork: a fork write-protects every page of the pod, and
// each page the pod writes afterwards faults once, copied while the child
// has not exec'd yet. A pod is a few MiB of heap and stacks (a thousand
// pods' cluster makes it more), and on a virtual machine such a fault is a
// trap of 10 to 20 us: milliseconds of every start and restart of a child
// (bench/README.md, "Then: a child started without copying the pod").
struct ChildSetup {
  const char* exe = nullptr;
  char* const* argv = nullptr;
  char** envp = nullptr;
  const char* cwd = nullptr;
  int in_fd = -1, out_fd = -1, err_fd = -1;
  pid_t pod = 0;  // getpid() before the fork
  const Identity* identity = nullptr;
  bool foreground = false;
  int report_fd = -1;    // the pipe a failed step is written to
  int guardian_fd = -1;  // Guardian::socket(): -1 without a guardian

  [[noreturn]] void fail(Step step) const {
    const int code = static_cast<int>(step) * kStepUnit + errno;
    while (::write(report_fd, &code, sizeof code) < 0 && errno == EINTR) {
    }
    ::_exit(127);
  }

  // fd -> target, also when fd already is the target (then only the
  // close-on-exec flag must go).
  static void move_to(int fd, int target) {
    if (fd < 0) return;
    if (fd == target) {
      ::fcntl(fd, F_SETFD, 0);
    } else {
      ::dup2(fd, target);
    }
  }

  // Marked rather than closed: one call, whatever is open, and a setup
  // that fails later leaves nothing half closed.
  static void close_above_stderr_at_exec() {
    if (::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) == 0) return;
    const long max = ::sysconf(_SC_OPEN_MAX);
    for (long fd = 3; fd < (max > 0 && max < 65536 ? max : 65536); ++fd) {
      ::fcntl(static_cast<int>(fd), F_SETFD, FD_CLOEXEC);
    }
  }

  // Never returns: the child execs, or reports the step that failed in
  // report_fd and exits.
  [[noreturn]] void run() const {
    ::setpgid(0, 0);
    // Watched before anything of the program's runs: a pod SIGKILLed from
    // here on takes the group and whatever it will have started. The pod
    // releases it should a step below fail.
    Guardian::watch_own_group(guardian_fd);
    if (foreground && ::isatty(STDIN_FILENO)) {
      // A background group calling tcsetpgrp() gets SIGTTOU (and stops)
      // unless it blocks it; the mask is emptied right after.
      sigset_t ttou;
      ::sigemptyset(&ttou);
      ::sigaddset(&ttou, SIGTTOU);
      ::sigprocmask(SIG_BLOCK, &ttou, nullptr);
      // ENOTTY, ENXIO: not our controlling terminal after all; tini goes on too.
      if (::tcsetpgrp(STDIN_FILENO, ::getpid()) != 0 && errno != ENOTTY && errno != ENXIO) {
        fail(Step::kTerminal);
      }
    }
    // Ignored signals survive exec (cpp-httplib ignores SIGPIPE in the pod).
    // Defaults before the mask opens: no handler of the pod's may run here.
    struct sigaction dfl;
    std::memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    ::sigemptyset(&dfl.sa_mask);
    for (int sig = 1; sig < NSIG; ++sig) {
      if (sig != SIGKILL && sig != SIGSTOP) ::sigaction(sig, &dfl, nullptr);
    }
    sigset_t none;
    ::sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    if (identity != nullptr) {
      // Groups first, while we may still change them; the uid last. The
      // system calls themselves: glibc's wrappers would make every thread
      // of the pod's (shared memory, other process) take the change too.
      if (::syscall(SYS_setgroups, identity->groups.size(), identity->groups.data()) != 0) {
        fail(Step::kGroups);
      }
      if (::syscall(SYS_setgid, identity->gid) != 0) fail(Step::kGid);
      if (::syscall(SYS_setuid, identity->uid) != 0) fail(Step::kUid);
    }
    // The pod's death, even by SIGKILL, takes the child with it. The kernel
    // sends it when the forking *thread* ends: callers fork on threads that
    // outlive their child (spawn.h). It clears it when the credentials
    // change, hence after the switch. A pod that died before this line left
    // us to init already: then nobody would ever send it.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != pod) ::_exit(127);
    // After the switch: the directory must be the user's to enter.
    // Reported to the parent like a failed exec.
    if (cwd != nullptr && ::chdir(cwd) != 0) fail(Step::kChdir);
    move_to(in_fd, 0);
    move_to(out_fd, 1);
    move_to(err_fd, 2);
    close_above_stderr_at_exec();
    // argv[0] stays as the user gave it.
    ::execve(exe, argv, envp);
    fail(Step::kExec);
  }
};

// The vfork in a frame of its own, which the child leaves only by exec or
// _exit: nothing of the caller's lives in registers the child could change.
// The pod's thread waits here until the child has done either.
[[gnu::noinline]] pid_t start_child(const ChildSetup& setup) {
  const pid_t pid = ::vfork();
  if (pid == 0) setup.run();
  return pid;
}

std::map<std::string, std::string> merged_environment(const SpawnRequest& request) {
  Environment env = read_environment();
  // The pod's ZooKeeper credentials stay with the pod: its children see the
  // address without them (what they set themselves is theirs).
  if (auto zk = env.find("ochopod_zk"); zk != env.end()) {
    zk->second = zk_address_without_credentials(zk->second);
  }
  if (const auto& identity = request.identity) {
    env["HOME"] = identity->home;
    if (identity->name.empty()) {
      // A bare uid has no name: better none than the pod's ("root").
      env.erase("USER");
      env.erase("LOGNAME");
    } else {
      env["USER"] = identity->name;
      env["LOGNAME"] = identity->name;
    }
  }
  for (const auto& [name, value] : request.env) env[name] = value;
  return env;
}

// "'cmd'", or "'cmd' as nobody (uid 65534, gid 65534)" with an identity.
std::string describe(const SpawnRequest& request) {
  std::string what = "'" + request.argv[0] + "'";
  if (const auto& identity = request.identity) {
    const std::string ids =
        "uid " + std::to_string(identity->uid) + ", gid " + std::to_string(identity->gid);
    what += identity->name.empty() ? " as " + ids : " as " + identity->name + " (" + ids + ")";
  }
  return what;
}

// What the child's setup reported, decoded (Step).
std::string describe_error(int value) {
  if (value < kStepUnit) return std::strerror(value);
  const auto step = static_cast<Step>(value / kStepUnit);
  std::string text = std::string(step_name(step)) + " failed: " + std::strerror(value % kStepUnit);
  if (step != Step::kTerminal && step != Step::kChdir && ::geteuid() != 0) {
    text += " (the pod is not root)";
  }
  return text;
}

bool executable(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

// What execvp would run, resolved in the parent (no allocation after fork).
std::string resolve(const std::string& name, const std::map<std::string, std::string>& env) {
  if (name.find('/') != std::string::npos) {
    if (!executable(name)) throw std::runtime_error("'" + name + "' is not an executable file");
    return name;
  }
  auto path = env.find("PATH");
  const std::string dirs = path == env.end() ? "/usr/local/bin:/usr/bin:/bin" : path->second;
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    const std::string dir = end > start ? dirs.substr(start, end - start) : ".";
    const std::string candidate = dir + "/" + name;
    if (executable(candidate)) return candidate;
    start = end + 1;
  }
  throw std::runtime_error("'" + name + "': command not found in PATH");
}

struct Pipe {
  UniqueFd read, write;
};

Pipe make_pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    throw std::runtime_error(std::string("pipe2 failed: ") + std::strerror(errno));
  }
  Pipe p{UniqueFd(fds[0]), UniqueFd(fds[1])};
  ::fcntl(p.read.get(), F_SETFL, ::fcntl(p.read.get(), F_GETFL) | O_NONBLOCK);
  return p;
}

}  // namespace

Spawned spawn(const SpawnRequest& request, Reaper* reaper, Reaper::OnExit on_exit) {
  if (request.argv.empty() || request.argv[0].empty()) throw std::runtime_error("empty command");
  if (request.cwd) {
    struct stat st;
    if (::stat(request.cwd->c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
      throw std::runtime_error("working directory '" + *request.cwd + "' does not exist");
    }
  }

  const auto env = merged_environment(request);
  const std::string exe = resolve(request.argv[0], env);

  // Everything the child needs, laid out before the fork.
  std::vector<std::string> env_strings;
  env_strings.reserve(env.size());
  for (const auto& [name, value] : env) env_strings.push_back(name + "=" + value);
  std::vector<char*> envp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_strings = request.argv;
  std::vector<char*> argv;
  for (auto& s : argv_strings) argv.push_back(s.data());
  argv.push_back(nullptr);

  Spawned spawned;
  ChildSetup setup;
  setup.exe = exe.c_str();
  setup.argv = argv.data();
  setup.envp = envp.data();
  setup.cwd = request.cwd ? request.cwd->c_str() : nullptr;
  setup.pod = ::getpid();
  // A pod that is not root may still name itself (the same spec for every
  // environment): nothing to switch then, and setgroups() would refuse.
  const bool already = request.identity && ::geteuid() != 0 &&
                       request.identity->uid == ::geteuid() && request.identity->gid == ::getegid();
  setup.identity = request.identity && !already ? &*request.identity : nullptr;
  setup.foreground = request.foreground;
  setup.guardian_fd = Guardian::process().socket();

  UniqueFd null_in;
  if (request.null_stdin) {
    null_in = UniqueFd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    if (!null_in) throw std::runtime_error(std::string("/dev/null: ") + std::strerror(errno));
    setup.in_fd = null_in.get();
  }
  Pipe out, err;  // the write ends close when this function returns
  if (request.output != Output::inherit) {
    out = make_pipe();
    setup.out_fd = out.write.get();
    setup.err_fd = out.write.get();
  }
  if (request.output == Output::separate) {
    err = make_pipe();
    setup.err_fd = err.write.get();
  }

  {
    std::unique_lock<std::mutex> lock;
    if (reaper != nullptr) lock = reaper->spawn_lock();
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
      throw std::runtime_error("cannot start " + describe(request) +
                               ": pipe failed: " + std::strerror(errno));
    }
    UniqueFd report_read(fds[0]), report_write(fds[1]);
    setup.report_fd = report_write.get();
    const pid_t pid = start_child(setup);
    const int vfork_error = errno;
    report_write.reset();
    if (pid < 0) {
      throw std::runtime_error("cannot start " + describe(request) +
                               ": vfork failed: " + std::strerror(vfork_error));
    }
    // Nothing (the pipe closed at the exec) or the step that failed.
    int failure = 0;
    ssize_t got;
    do {
      got = ::read(report_read.get(), &failure, sizeof failure);
    } while (got < 0 && errno == EINTR);
    if (got == static_cast<ssize_t>(sizeof failure)) {
      // Ours to reap: it exits right after it wrote.
      while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
      }
      Guardian::process().release(pid);  // its own watch, sent before the step failed
      throw std::runtime_error("cannot start " + describe(request) + ": " +
                               describe_error(failure));
    }
    spawned.pid = pid;
    if (reaper != nullptr) reaper->watch_locked(spawned.pid, std::move(on_exit));
  }
  spawned.out = std::move(out.read);
  spawned.err = std::move(err.read);
  return spawned;
}

Spawned spawn_process(Reaper& reaper, const SpawnRequest& request, Reaper::OnExit on_exit) {
  return spawn(request, &reaper, [on_exit = std::move(on_exit)](pid_t pid, int wait_status) {
    Guardian::process().release(pid);  // reaped: forgotten once its group is empty
    on_exit(pid, wait_status);
  });
}

Spawned spawn_unwatched(const SpawnRequest& request) { return spawn(request, nullptr, {}); }

}  // namespace ochopod::detail
