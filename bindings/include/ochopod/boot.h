// boot(): what a user's main() calls to become a pod.
//
// Reads the environment through a binding, then runs the pod with the given
// lifecycle (usually a Piped subclass) and model (Reactive by default) until
// SIGTERM. Returns the process exit code: 0 after a clean shutdown, 2 when
// the environment is unusable (one line on stderr says why).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "ochopod/piped.h"
#include "ochopod/reactive.h"
#include "ochopod/tool.h"

namespace ochopod {

struct BootOptions {
  std::string binding;  // empty: picked from the environment
  // /exec tools (docs/writing-a-pod.md). Tools without a tag are skipped.
  std::vector<std::shared_ptr<Tool>> tools;
  // Also register ochopod's stock `shell` tool: a remote shell, off unless asked.
  bool shell_tool = false;
  // Also log to this rotating file (1 MiB x 3), e.g. for a sidecar to ship.
  std::string log_file;
};

int boot(Piped& lifecycle, Reactive& model, const BootOptions& options = {});

template <class Strategy, class ModelT = Reactive>
int boot(const BootOptions& options = {}) {
  Strategy lifecycle;
  ModelT model;
  return boot(lifecycle, model, options);
}

}  // namespace ochopod
