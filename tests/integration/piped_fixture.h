// PipedFixture: one pod's lifecycle machinery without ZooKeeper or HTTP, for
// the piped_*_test.cpp files: a Reaper serviced by a SignalThread, the
// "lifecycle" EventLoop, Hints, a scriptable Piped (TestPod) and the
// PipedController under test, plus the pod's log in a ring buffer.
#pragma once

#include <dirent.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "harness/wait.h"
#include "models/piped/controller.h"
#include "ochopod/piped.h"
#include "runtime/base/event_loop.h"
#include "runtime/pod/hints.h"
#include "runtime/process/reaper.h"
#include "runtime/process/signals.h"

namespace ochopod::test {

using nlohmann::json;
using namespace std::chrono_literals;

// A deadline from a setting under test plus slack for a loaded machine.
inline std::chrono::milliseconds after(std::chrono::duration<double> setting,
                                       std::chrono::milliseconds slack = 3000ms) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(setting) + slack;
}

// One process as /proc/<pid>/stat shows it.
struct ProcStat {
  std::string comm;  // the executable's name, e.g. "sleep" once exec'd
  char state = 0;
  int ppid = 0;
  int pgrp = 0;
};

// Counts the processes whose /proc/<pid>/stat matches.
template <class Pred>
int count_processes(Pred&& match) {
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    std::ifstream stat(entry.path() / "stat");
    std::string line;
    if (!std::getline(stat, line)) continue;
    const auto open = line.find('(');
    const auto close = line.rfind(')');  // the command name may hold spaces
    if (open == std::string::npos || close == std::string::npos || close < open) continue;
    ProcStat p;
    p.comm = line.substr(open + 1, close - open - 1);
    std::istringstream rest(line.substr(close + 2));
    rest >> p.state >> p.ppid >> p.pgrp;
    if (match(p)) ++count;
  }
  return count;
}

// Processes whose process group is pgid, zombies excluded.
inline int group_size(pid_t pgid) {
  return count_processes([pgid](const ProcStat& p) { return p.pgrp == pgid && p.state != 'Z'; });
}

// Members of group pgid that have exec'd `sleep`: past any trap set before it.
inline int sleepers_in_group(pid_t pgid) {
  return count_processes(
      [pgid](const ProcStat& p) { return p.pgrp == pgid && p.state != 'Z' && p.comm == "sleep"; });
}

// Zombies do not count: orphans are reaped by PID 1, which here may be slow.
inline bool group_alive(pid_t pgid) { return pgid > 0 && group_size(pgid) > 0; }

// Zombie children of this test process: what a failed spawn must not leave.
inline int our_zombies() {
  return count_processes([](const ProcStat& p) { return p.state == 'Z' && p.ppid == ::getpid(); });
}

inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A configuration payload (docs/protocol.md 4) for pod `key` among pods a, b, c.
inline json payload(json dependencies = json::object(), std::string key = "b",
                    std::vector<std::string> pods = {"a", "b", "c"}) {
  json p = {{"key", key}, {"pods", json::object()}, {"dependencies", std::move(dependencies)}};
  int seq = 1;
  for (const auto& pod : pods) p["pods"][pod] = {{"seq", seq++}, {"ip", "127.0.0.1"}};
  return p;
}

// The Piped under test: every callback is a replaceable function, and calls
// are counted. Set everything before the first request.
class TestPod : public Piped {
 public:
  std::string command = "sleep 1000";
  std::map<std::string, std::string> env;
  std::optional<std::vector<std::string>> argv;

  std::function<void()> on_initialize;
  std::function<void(const Cluster&)> on_can_configure;
  std::function<void(const Cluster&)> on_configure;
  std::function<void(const Cluster&)> on_configured;
  std::function<std::optional<json>(const Process&)> on_sanity;
  std::function<std::optional<json>(const json&, const Process*)> on_signal;
  std::function<void(const Process&)> on_tear_down;  // unset: Piped's (SIGTERM to the group)
  // unset: Piped's (restart for new dependencies only)
  std::function<bool(const Cluster&, const Process*, bool)> on_reconfigure;

  std::atomic<int> initialized{0}, configured_calls{0}, torn_down{0}, finalized{0}, reconfigured{0};
  std::atomic<int> last_index{-1};

  void initialize() override {
    ++initialized;
    if (on_initialize) on_initialize();
  }
  void can_configure(const Cluster& cluster) override {
    if (on_can_configure) on_can_configure(cluster);
  }
  Configuration configure(const Cluster& cluster) override {
    ++configured_calls;
    last_index = cluster.index;
    if (on_configure) on_configure(cluster);
    return Configuration{command, env, argv};
  }
  bool reconfigure(const Cluster& cluster, const Process* process, bool changed) override {
    ++reconfigured;
    return on_reconfigure ? on_reconfigure(cluster, process, changed)
                          : Piped::reconfigure(cluster, process, changed);
  }
  void configured(const Cluster& cluster) override {
    if (on_configured) on_configured(cluster);
  }
  std::optional<json> sanity_check(const Process& process) override {
    return on_sanity ? on_sanity(process) : std::nullopt;
  }
  std::optional<json> signaled(const json& js, const Process* process) override {
    return on_signal ? on_signal(js, process) : std::nullopt;
  }
  void tear_down(const Process& process) override {
    ++torn_down;
    if (on_tear_down) {
      on_tear_down(process);
    } else {
      Piped::tear_down(process);
    }
  }
  void finalize() override { ++finalized; }
};

// Installs a default logger with a ring buffer before anything else in the
// fixture exists (spdlog's sink list is not synchronized once in use).
class LogCapture {
 public:
  LogCapture()
      : ring_(std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(4096)),
        previous_(spdlog::default_logger()) {
    auto logger = std::make_shared<spdlog::logger>(
        "piped-test",
        spdlog::sinks_init_list{ring_, std::make_shared<spdlog::sinks::stderr_sink_mt>()});
    logger->set_level(spdlog::level::debug);
    spdlog::set_default_logger(logger);
  }
  ~LogCapture() { spdlog::set_default_logger(previous_); }

  bool logged(const std::string& needle) const {
    for (const auto& line : ring_->last_formatted()) {
      if (line.find(needle) != std::string::npos) return true;
    }
    return false;
  }

 private:
  std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> ring_;
  std::shared_ptr<spdlog::logger> previous_;
};

class PipedFixture : public ::testing::Test, protected LogCapture {
 protected:
  PipedFixture() {
    char pattern[] = "/tmp/piped-test-XXXXXX";
    dir = ::mkdtemp(pattern);
  }

  ~PipedFixture() override {
    controller.reset();
    // The child the controller SIGKILLed on its way out must not be left for
    // the next test's zombie count: reap it before the signal thread goes.
    EXPECT_TRUE(wait_until(
        [&] {
          reaper.reap();
          return our_zombies() == 0;
        },
        2000ms, "the last child reaped"));
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }

  // Builds the controller once the test has set the pod's knobs.
  void make(bool start = true) {
    controller = std::make_unique<PipedController>(
        pod, PipedController::Context{loop, hints, reaper, start, ""});
  }

  ControlReply request(const std::string& task, std::optional<json> body = std::nullopt) {
    ControlReply reply;
    loop.run_sync([&] {
      reply =
          controller->handle(ControlRequest{task, body ? make_payload(std::move(*body)) : nullptr});
    });
    return reply;
  }

  // Waits for a running child and returns its pid.
  pid_t running_pid(std::chrono::milliseconds deadline = 5000ms) {
    EXPECT_TRUE(wait_until([&] { return controller->child_pid() != 0; }, deadline, "a child"));
    return controller->child_pid();
  }

  std::string process() const { return hints.process(); }

  Reaper reaper;
  SignalThread signals{reaper, [](int) {}};
  EventLoop loop{"lifecycle"};
  Hints hints;
  TestPod pod;
  std::unique_ptr<PipedController> controller;
  std::filesystem::path dir;
};

}  // namespace ochopod::test
