#include "ochopod/boot.h"

#include <cstdio>

#include "bindings/binding.h"
#include "bindings/piped_pod.h"
#include "models/tools/command_tools.h"
#include "runtime/base/numbers.h"
#include "runtime/pod/pod.h"
#include "runtime/process/signals.h"

namespace ochopod {

int boot(Piped& lifecycle, Reactive& model, const BootOptions& options) {
  SignalThread::block_signals();
  const Environment env = read_environment();
  // Like `ochopod run --binding`, the environment twin picks one too.
  const auto twin = env.find("ochopod_binding");
  const std::string name = !options.binding.empty() ? options.binding
                           : twin != env.end()      ? twin->second
                                                    : "";
  BindingResult binding = resolve_binding(env, name);
  if (!binding.settings) {
    std::fprintf(stderr, "ochopod: %s\n", binding.error.c_str());
    return 2;
  }
  PodSettings settings = std::move(*binding.settings);
  settings.dependencies = model.depends_on;
  settings.log.file = options.log_file;
  // `ochopod run --leave-delay/--stop-timeout`'s twins: the same for C++ pods.
  for (auto [name, into] : {std::pair{"ochopod_leave_delay", &settings.leave_delay},
                            std::pair{"ochopod_stop_timeout", &settings.stop_timeout}}) {
    const auto it = env.find(name);
    if (it == env.end()) continue;
    const auto seconds = parse_decimal(it->second);
    if (!seconds || *seconds < 0) {
      std::fprintf(stderr, "ochopod: %s must be a number of seconds, not '%s'\n", name,
                   it->second.c_str());
      return 2;
    }
    *into = std::chrono::milliseconds(static_cast<int64_t>(*seconds * 1000));
  }
  std::vector<std::shared_ptr<Tool>> tools = options.tools;
  if (options.shell_tool) tools.push_back(std::make_shared<ShellTool>());
  return run_pod(settings, piped_pod(lifecycle, model, std::move(tools)));
}

}  // namespace ochopod
