// PodProcess: one real process under test (by default the ochopod binary) in
// its own process group, with stdout+stderr appended to a log in a private
// temp dir (also its working directory). The test owns it: it can signal it,
// wait for its exit status, read its output; on destruction it SIGKILLs the
// group and every process that inherited its environment tag (the pod's
// children, even ones in other groups or reparented), then reaps it.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "harness/pod_spec.h"
#include "harness/temp_dir.h"

namespace ochopod::test {

class PodProcess {
 public:
  // Runs program with args (argv[0] is program) and env added to/overriding
  // ours. Throws std::system_error if it cannot be started.
  explicit PodProcess(std::vector<std::string> args, std::map<std::string, std::string> env = {},
                      std::string program = default_pod_program());
  // Runs `ochopod run` as spec says, resolving a free control port if needed.
  explicit PodProcess(PodSpec spec);
  ~PodProcess();
  PodProcess(const PodProcess&) = delete;
  PodProcess& operator=(const PodProcess&) = delete;

  pid_t pid() const { return pid_; }
  // The pod's remapped control port (0 when not launched from a PodSpec).
  int control_port() const { return control_port_; }

  // kill(2) to the pod's pid only / to its whole process group. False if it
  // was already reaped (or the call failed).
  bool signal(int sig);
  bool signal_group(int sig);

  // Still running (reaps it if it just exited).
  bool running();
  // Waits up to timeout for the exit and returns the raw wait status (use
  // WIFEXITED/WEXITSTATUS/WTERMSIG); nullopt if still running. Once reaped,
  // returns the same status immediately.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);
  std::optional<int> exit_status() const { return status_; }

  // SIGKILL to the group and to every tagged process, then reap: a crash.
  void kill();

  // Everything the process wrote to stdout and stderr so far.
  std::string output() const;
  std::string log_path() const { return dir_.file("pod.log"); }
  std::string dir() const { return dir_.path().string(); }

  // Live processes carrying this pod's environment tag, the pod excluded:
  // its children and their descendants, wherever they were reparented.
  std::vector<pid_t> leftovers() const;

 private:
  void launch(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
              const std::string& program);
  TempDir dir_;
  std::string tag_;
  pid_t pid_ = -1;
  std::optional<int> status_;
  int control_port_ = 0;
};

}  // namespace ochopod::test
