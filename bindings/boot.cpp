#include "ochopod/boot.h"

#include <cstdio>

#include "bindings/binding.h"
#include "models/piped/controller.h"
#include "models/reactive/leader.h"
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
  PodParts parts;
  parts.controller = [&](PodServices& services) -> std::unique_ptr<Controller> {
    return std::make_unique<PipedController>(lifecycle, piped_context(services));
  };
  parts.leader_work = [&](PodServices& services) -> std::unique_ptr<LeaderWork> {
    return std::make_unique<ReactiveLeader>(model, services);
  };
  parts.tools = [&](PodServices& services, ToolBox& box) {
    for (const auto& tool : options.tools) box.add(tool);
    if (options.shell_tool) box.add(std::make_shared<ShellTool>(services.reaper));
  };
  return run_pod(settings, parts);
}

}  // namespace ochopod
