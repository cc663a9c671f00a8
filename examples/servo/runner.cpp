// Decrypting an upload and running its scripts in order: see runner.h.
#include "runner.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <set>
#include <sstream>

#include "decrypt.h"

extern char** environ;

namespace servo {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// The process groups of the scripts running now, for stop_all_scripts():
// process-wide because a signal (the servo's SIGTERM) concerns them all.
std::mutex running_mutex;
std::set<pid_t> running;
bool stopped = false;  // stop_all_scripts() was called: start nothing more

// Collects output into lines, up to a byte budget shared by all scripts.
class Output {
 public:
  Output(std::vector<std::string>* lines, size_t budget) : lines_(lines), budget_(budget) {}
  void add(const char* data, size_t n) {
    for (size_t i = 0; i < n; ++i) {
      if (data[i] == '\n') {
        flush();
      } else if (used_ < budget_) {
        partial_ += data[i];
        ++used_;
      } else if (!truncated_) {
        truncated_ = true;
        flush();
        lines_->push_back("(output truncated)");
      }
    }
  }
  void flush() {
    if (!partial_.empty()) lines_->push_back(partial_);
    partial_.clear();
  }

 private:
  std::vector<std::string>* lines_;
  size_t budget_, used_ = 0;
  bool truncated_ = false;
  std::string partial_;
};

std::vector<std::string> environment(const RunSettings& settings) {
  std::map<std::string, std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry(*e);
    const auto eq = entry.find('=');
    if (eq != std::string::npos) env[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  for (const auto& name : settings.unset) env.erase(name);
  for (const auto& [name, value] : settings.env) env[name] = value;
  std::vector<std::string> out;
  for (const auto& [name, value] : env) out.push_back(name + "=" + value);
  return out;
}

bool safe_name(const std::string& script) {
  if (script.empty() || script.front() == '/') return false;
  std::istringstream parts(script);
  for (std::string part; std::getline(parts, part, '/');) {
    if (part == "..") return false;
  }
  return true;
}

// Runs argv in dir, output into out; the exit code (128 + signal, 124 on timeout).
int run_one(const fs::path& dir, const std::vector<std::string>& argv,
            const std::vector<std::string>& env, std::chrono::duration<double> timeout,
            Output* out) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    const std::string line = std::string("cannot make a pipe: ") + std::strerror(errno);
    out->add(line.data(), line.size());
    out->flush();
    return 1;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 2);
  posix_spawn_file_actions_addchdir_np(&actions, dir.c_str());
  // Nothing of ours leaks into a script (sockets of the HTTP server...).
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // Its own group (a timeout kills all of it), default signals, nothing
  // blocked: the pod's threads block signals, a script must not inherit that.
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  std::vector<char*> args, envp;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  pid_t pid = -1;
  std::unique_lock<std::mutex> lock(running_mutex);
  const int spawned =
      stopped ? ECANCELED
              : ::posix_spawnp(&pid, args[0], &actions, &attr, args.data(), envp.data());
  if (spawned == 0) running.insert(pid);
  lock.unlock();
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  ::close(fds[1]);
  if (spawned != 0) {
    ::close(fds[0]);
    const std::string line = "cannot run " + argv.front() + ": " + std::strerror(spawned);
    out->add(line.data(), line.size());
    out->flush();
    return 127;
  }
  const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(timeout);
  bool timed_out = false;
  char buffer[4096];
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    pollfd p{fds[0], POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(std::min<int64_t>(left.count(), 1000)));
    if (ready < 0 && errno != EINTR) break;
    if (ready <= 0) continue;
    const ssize_t n = ::read(fds[0], buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // EOF: the script and whatever shared its output are done
    out->add(buffer, static_cast<size_t>(n));
  }
  ::close(fds[0]);
  out->flush();
  if (timed_out) ::kill(-pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  {
    // Whatever the script left behind in its group goes with it (the group
    // outlives its leader's pid while members remain, so -pid is still it).
    std::lock_guard<std::mutex> forget(running_mutex);
    ::kill(-pid, SIGKILL);
    running.erase(pid);
  }
  if (timed_out) {
    const std::string line = argv.back() + " timed out";
    out->add(line.data(), line.size());
    out->flush();
    return 124;
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 1;
}

}  // namespace

void stop_all_scripts() {
  std::lock_guard<std::mutex> lock(running_mutex);
  stopped = true;
  for (const pid_t group : running) ::kill(-group, SIGKILL);
}

std::vector<std::string> split_scripts(const std::string& joined) {
  std::vector<std::string> out;
  std::istringstream parts(joined);
  for (std::string part; std::getline(parts, part, '+');) {
    if (!part.empty()) out.push_back(part);
  }
  return out;
}

RunResult run_upload(const fs::path& dir, const std::vector<std::string>& scripts,
                     const RunSettings& settings) {
  RunResult result;
  Output out(&result.out, settings.max_output);
  auto fail = [&](const std::optional<std::string>& failed, int code, const std::string& line) {
    result.failed = failed;
    result.code = code;
    out.add(line.data(), line.size());
    out.flush();
    return result;
  };
  if (scripts.empty()) return fail(std::nullopt, 2, "no script to run");
  try {
    if (const auto bad = decrypt_tree(dir, settings.token)) {
      return fail(std::nullopt, 1, "cannot decrypt " + *bad + " with the servo's token");
    }
  } catch (const fs::filesystem_error& e) {
    return fail(std::nullopt, 1, std::string("cannot decrypt the upload: ") + e.what());
  }
  const auto env = environment(settings);
  for (const auto& script : scripts) {
    std::error_code ec;
    const fs::path path = dir / script;
    if (!safe_name(script) || !fs::is_regular_file(fs::symlink_status(path, ec))) {
      return fail(script, 127, script + ": no such script in the upload");
    }
    std::vector<std::string> argv;
    if (path.extension() == ".py") {
      argv = {"python3", path.string()};
    } else if (path.extension() == ".sh") {
      argv = {"/bin/sh", path.string()};
    } else if (::access(path.c_str(), X_OK) == 0) {
      argv = {path.string()};
    } else {
      return fail(script, 126, script + ": not executable (and neither .py nor .sh)");
    }
    const int code = run_one(dir, argv, env, settings.timeout, &out);
    if (code != 0) {
      result.failed = script;
      result.code = code;
      return result;
    }
  }
  result.ok = true;
  return result;
}

}  // namespace servo
