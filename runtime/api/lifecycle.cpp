#include "ochopod/lifecycle.h"

#include <signal.h>
#include <spdlog/spdlog.h>

namespace ochopod {

void LifeCycle::tear_down(const Process& process) {
  if (process.pid <= 0) return;
  if (::kill(-process.pid, SIGTERM) != 0) {
    spdlog::debug("SIGTERM to process group {} failed (already gone?)", process.pid);
  }
}

}  // namespace ochopod
