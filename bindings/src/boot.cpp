#include "ochopod/boot.h"

#include <cstdio>

#include "ochopod/binding.h"
#include "ochopod/piped_controller.h"
#include "ochopod/pod.h"
#include "ochopod/reactive_leader.h"
#include "ochopod/signals.h"

namespace ochopod {

int boot(Piped& lifecycle, Reactive& model, const BootOptions& options) {
  SignalThread::block_signals();
  BindingResult binding = resolve_binding(current_environment(), options.binding);
  if (!binding.settings) {
    std::fprintf(stderr, "ochopod: %s\n", binding.error.c_str());
    return 2;
  }
  PodSettings settings = std::move(*binding.settings);
  if (!settings.zk) {
    std::fprintf(stderr, "ochopod: no ZooKeeper address: set ochopod_zk\n");
    return 2;
  }
  settings.dependencies = model.depends_on;
  return run_pod(
      settings,
      [&](PodServices& services) -> std::unique_ptr<Controller> {
        PipedController::Context context{services.lifecycle, services.hints, services.reaper,
                                         services.settings.start, ""};
        return std::make_unique<PipedController>(lifecycle, context);
      },
      [&](PodServices& services) -> std::unique_ptr<LeaderWork> {
        return std::make_unique<ReactiveLeader>(model, services);
      });
}

}  // namespace ochopod
