#include "harness/child_probe.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <cerrno>
#include <filesystem>
#include <sstream>

#include "harness/files.h"
#include "harness/http.h"
#include "harness/ports.h"
#include "harness/proc_tree.h"
#include "harness/spawn.h"

namespace ochopod::test {

std::vector<std::string> lines_of(const std::string& path) {
  std::vector<std::string> lines;
  std::istringstream in(read_text(path));
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::size_t line_count(const std::string& path) { return lines_of(path).size(); }

std::size_t lines_equal_to(const std::string& path, const std::string& text) {
  std::size_t n = 0;
  for (const auto& line : lines_of(path)) n += line == text ? 1 : 0;
  return n;
}

std::vector<pid_t> pids_in(const std::string& path) {
  std::vector<pid_t> pids;
  for (const auto& line : lines_of(path)) {
    try {
      std::size_t used = 0;
      const long pid = std::stol(line, &used);
      if (used == line.size() && pid > 0) pids.push_back(static_cast<pid_t>(pid));
    } catch (const std::exception&) {
      // a line still being written, or not a pid: not one yet
    }
  }
  return pids;
}

std::optional<pid_t> last_pid_in(const std::string& path) {
  const auto pids = pids_in(path);
  if (pids.empty()) return std::nullopt;
  return pids.back();
}

std::optional<double> metric_sum(int port, const std::string& name, const std::string& labels) {
  const auto reply = http_get(port, "/metrics");
  if (reply.status != 200) return std::nullopt;
  std::optional<double> sum;
  std::istringstream in(reply.body);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#' || line.rfind(name, 0) != 0) continue;
    const auto rest = line.substr(name.size());
    if (rest.empty() || (rest[0] != ' ' && rest[0] != '{')) continue;  // a longer name
    std::string label_set;
    std::string value = rest;
    if (rest[0] == '{') {
      const auto close = rest.find('}');
      if (close == std::string::npos) continue;
      label_set = rest.substr(1, close - 1);
      value = rest.substr(close + 1);
    }
    if (!labels.empty() && label_set.find(labels) == std::string::npos) continue;
    try {
      sum = sum.value_or(0) + std::stod(value);
    } catch (const std::exception&) {
      continue;
    }
  }
  return sum;
}

testing::AssertionResult exits_with(PodProcess& pod, int code, std::chrono::milliseconds deadline) {
  const auto status = pod.wait_exit(deadline);
  if (!status) {
    return testing::AssertionFailure()
           << "the pod still ran " << deadline.count() << " ms later instead of exiting " << code;
  }
  if (WIFEXITED(*status) && WEXITSTATUS(*status) == code) return testing::AssertionSuccess();
  return testing::AssertionFailure()
         << "the pod ended with " << describe_status(*status) << " instead of exit " << code;
}

namespace {

// Process group of pid from /proc/<pid>/stat (the field after the state).
std::optional<pid_t> group_of(pid_t pid) {
  const std::string stat = read_text("/proc/" + std::to_string(pid) + "/stat");
  const auto close = stat.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream in(stat.substr(close + 1));
  std::string state;
  long ppid = 0;
  long pgrp = 0;
  if (!(in >> state >> ppid >> pgrp)) return std::nullopt;
  return static_cast<pid_t>(pgrp);
}

}  // namespace

bool group_gone(pid_t pgid) {
  if (::kill(-pgid, 0) == -1 && errno == ESRCH) return true;
  // Zombies still count as members for kill(2): look at the members' states.
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const auto name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    const auto pid = static_cast<pid_t>(std::stol(name));
    if (group_of(pid) == pgid && alive(pid)) return false;
  }
  return true;
}

SplitPod launch_with_stderr_apart(PodSpec spec, const std::string& stderr_path) {
  if (spec.control_port == 0) spec.control_port = free_port();
  // sh execs the pod in its own place (same pid) once stderr is redirected.
  std::vector<std::string> args{"-c", "exec \"$0\" \"$@\" 2>>\"$OCHOPOD_TEST_STDERR\"",
                                spec.program};
  const auto run_args = spec.args();
  args.insert(args.end(), run_args.begin(), run_args.end());
  auto env = spec.environment();
  env["OCHOPOD_TEST_STDERR"] = stderr_path;
  return {std::make_unique<PodProcess>(args, env, "/bin/sh"), spec.control_port};
}

}  // namespace ochopod::test
