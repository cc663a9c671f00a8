#include "models/piped/child_setup.h"

#include <stdexcept>

#include "models/child/child_environment.h"
#include "models/child/identity.h"
#include "runtime/base/environment.h"

namespace ochopod::detail {

void add_child_setup(const Piped& piped, SpawnRequest& request, const std::string& job) {
  request.tag = job.empty() ? "child" : job;
  request.output = piped.pipe_subprocess ? Output::separate : Output::inherit;
  request.foreground = job.empty();  // only when the pod's stdin is a terminal
  if (piped.user) {
    std::string error;
    request.identity = resolve_identity(*piped.user, &error);
    if (!request.identity) throw std::runtime_error("user: " + error);
  }
  if (piped.env_files.empty() && piped.file_env.empty()) return;
  auto read = read_child_environment(piped.env_files, piped.file_env, read_environment());
  if (!read.error.empty()) throw std::runtime_error(read.error);
  for (auto& pair : read.env) request.env.push_back(std::move(pair));
}

}  // namespace ochopod::detail
