#include "harness/pod_process.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <thread>

#include "harness/files.h"
#include "harness/ports.h"
#include "harness/proc_tree.h"
#include "harness/spawn.h"

namespace ochopod::test {

namespace {

using namespace std::chrono_literals;

constexpr const char* kTagVariable = "OCHOPOD_TEST_TAG";

}  // namespace

PodProcess::PodProcess(std::vector<std::string> args, std::map<std::string, std::string> env,
                       std::string program)
    : dir_("ochopod-pod-") {
  launch(args, env, program);
}

PodProcess::PodProcess(PodSpec spec) : dir_("ochopod-pod-") {
  if (spec.control_port == 0) spec.control_port = free_port();
  control_port_ = spec.control_port;
  launch(spec.args(), spec.environment(), spec.program);
}

void PodProcess::launch(const std::vector<std::string>& args,
                        const std::map<std::string, std::string>& env, const std::string& program) {
  tag_ = dir();  // unique while the dir exists
  auto full_env = environment_with(env);
  full_env[kTagVariable] = tag_;
  // Where the pod puts its OCHOPOD_CLUSTER directory: inside ours, so a
  // pod a test SIGKILLs leaves nothing behind (in /dev/shm, memory).
  if (!env.count("TMPDIR")) full_env["TMPDIR"] = dir();
  SpawnOptions options;
  options.argv.push_back(program);
  options.argv.insert(options.argv.end(), args.begin(), args.end());
  options.env = std::move(full_env);
  options.cwd = dir();
  pid_ = spawn_logging_to(std::move(options), log_path());
}

PodProcess::~PodProcess() {
  kill();
  dump_log_if_failed("output of pid " + std::to_string(pid_), log_path(), 80);
}

bool PodProcess::signal(int sig) {
  if (status_ || pid_ <= 0) return false;
  return ::kill(pid_, sig) == 0;
}

bool PodProcess::signal_group(int sig) {
  if (status_ || pid_ <= 0) return false;
  return ::kill(-pid_, sig) == 0;
}

bool PodProcess::running() { return !wait_exit(0ms).has_value(); }

std::optional<int> PodProcess::wait_exit(std::chrono::milliseconds timeout) {
  if (!status_ && pid_ > 0) status_ = wait_pid(pid_, timeout);
  return status_;
}

void PodProcess::kill() {
  if (pid_ <= 0) return;
  // Not yet reaped, the pid (and so the pgid) cannot have been reused: kill
  // the group. Then whatever carries our tag, until none is left.
  if (!status_) {
    ::kill(-pid_, SIGKILL);
    ::kill(pid_, SIGKILL);
  }
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (std::chrono::steady_clock::now() < deadline) {
    const auto rest = leftovers();
    if (rest.empty()) break;
    for (pid_t p : rest) ::kill(p, SIGKILL);
    std::this_thread::sleep_for(10ms);  // poll interval
  }
  if (!status_) status_ = wait_pid(pid_, 30s);
}

std::string PodProcess::output() const { return read_text(log_path()); }

std::vector<pid_t> PodProcess::leftovers() const {
  auto found = processes_with_env(std::string(kTagVariable) + "=" + tag_);
  std::erase(found, pid_);
  return found;
}

}  // namespace ochopod::test
