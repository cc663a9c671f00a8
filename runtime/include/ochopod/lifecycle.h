// LifeCycle: what a user's pod does, as callbacks (docs/writing-a-pod.md, docs/lifecycle.md).
//
// Users subclass a concrete lifecycle (ochopod::Piped) and override what they
// need; only configure() is mandatory. Every callback runs on the pod's
// lifecycle thread, one at a time. Throwing is how a callback says "no": the
// meaning of a throw depends on the callback (see each comment).
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ochopod/cluster.h"

namespace ochopod {

// The running child as the callbacks see it. A null Process* means no child.
struct Process {
  int pid = 0;  // also the child's process group id
};

// What configure() returns: the command line and environment overrides.
struct Configuration {
  Configuration() = default;
  Configuration(std::string command_line, std::map<std::string, std::string> overrides = {},
                std::optional<std::vector<std::string>> exact_argv = std::nullopt)
      : command(std::move(command_line)), env(std::move(overrides)), argv(std::move(exact_argv)) {}

  std::string command;                     // split on spaces, or run by /bin/sh -c (shell)
  std::map<std::string, std::string> env;  // overrides, win over the pod's environment
  // When set, used as argv exactly as given (ochopod run -- argv...); command is then ignored.
  std::optional<std::vector<std::string>> argv;
};

class LifeCycle {
 public:
  virtual ~LifeCycle() = default;

  // Once, at the very first on. Throwing shuts the pod down (406).
  virtual void initialize() {}

  // Before configuration, on every check. Throwing refuses (406); the leader
  // retries after its damper. cluster includes dead pods.
  virtual void can_configure(const Cluster& cluster) { (void)cluster; }

  // Mandatory: what to run. Throwing shuts the pod down (406).
  virtual Configuration configure(const Cluster& cluster) = 0;

  // After the whole cluster configured. Throwing answers 500 (logged).
  virtual void configured(const Cluster& cluster) { (void)cluster; }

  // Every check_every while the child runs. Throwing fails the check; a
  // returned object becomes the pod's metrics.
  virtual std::optional<nlohmann::json> sanity_check(const Process& process) {
    (void)process;
    return std::nullopt;
  }

  // /control/signal. The returned object is the HTTP answer; throwing -> 500.
  virtual std::optional<nlohmann::json> signaled(const nlohmann::json& js, const Process* process) {
    (void)js;
    (void)process;
    return std::nullopt;
  }

  // How to ask the child to stop. Default: SIGTERM to its process group.
  virtual void tear_down(const Process& process);

  // Last, whenever the pod shuts down its work (kill, exit 0, SIGTERM).
  // Failures are logged only.
  virtual void finalize() {}
};

}  // namespace ochopod
