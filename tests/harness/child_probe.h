// What tests of `ochopod run` as a process manager (issue 28) read back: the
// files their children, jobs and hooks write (one line per start, pids), the
// pod's /metrics samples, its exit code, and a pod whose stderr is kept apart
// from its stdout. Called from the test's own thread only.
#pragma once

#include <gtest/gtest.h>
#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "harness/pod_process.h"
#include "harness/pod_spec.h"

namespace ochopod::test {

// Deadlines of these tests: from a pod's launch to its running child
// (generous: a loaded CI host takes well under it), and what a deadline
// derived from a setting allows on top of it.
inline constexpr std::chrono::milliseconds kStartup{10'000};
inline constexpr std::chrono::milliseconds kSlack{3'000};

// The lines of a file, without their newlines (a last unfinished line
// included); empty when the file cannot be read.
std::vector<std::string> lines_of(const std::string& path);

// How many lines the file holds (0 when missing).
std::size_t line_count(const std::string& path);

// How many lines equal text exactly.
std::size_t lines_equal_to(const std::string& path, const std::string& text);

// The pids a child wrote one per line ("echo $$ >> path"), in order.
std::vector<pid_t> pids_in(const std::string& path);

// The last pid in the file, nullopt when there is none yet.
std::optional<pid_t> last_pid_in(const std::string& path);

// The sum of the samples of metric `name` in the pod's GET /metrics whose
// label set contains `labels` (e.g. `job="tick"`; empty: every sample);
// nullopt when /metrics does not answer 200 or has no such sample.
std::optional<double> metric_sum(int port, const std::string& name, const std::string& labels = "");

// Waits up to deadline for the pod to exit with `code`; the failure says
// whether it still ran, or how it ended instead.
testing::AssertionResult exits_with(PodProcess& pod, int code, std::chrono::milliseconds deadline);

// No process is left in the process group pgid (only zombies, at most).
bool group_gone(pid_t pgid);

// A pod launched through /bin/sh, which execs it (same pid) with its stderr
// redirected: PodProcess does not know its control port, so it comes along.
struct SplitPod {
  std::unique_ptr<PodProcess> pod;
  int control_port = 0;
};

// Runs `ochopod run` as spec says (resolving its control port), with its
// stdout in pod->output() and its stderr appended to stderr_path instead.
SplitPod launch_with_stderr_apart(PodSpec spec, const std::string& stderr_path);

}  // namespace ochopod::test
