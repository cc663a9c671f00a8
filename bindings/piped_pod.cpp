#include "bindings/piped_pod.h"

#include <utility>

#include "models/piped/controller.h"
#include "models/reactive/leader.h"

namespace ochopod {

PodParts piped_pod(Piped& lifecycle, Reactive& model, std::vector<std::shared_ptr<Tool>> tools) {
  PodParts parts;
  parts.controller = [&lifecycle](PodServices& services) -> std::unique_ptr<Controller> {
    return std::make_unique<PipedController>(lifecycle, piped_context(services));
  };
  parts.leader_work = [&model](PodServices& services) -> std::unique_ptr<LeaderWork> {
    return std::make_unique<ReactiveLeader>(model, services);
  };
  parts.tools = [tools = std::move(tools)](PodServices&, ToolBox& box) {
    for (const auto& tool : tools) box.add(tool);
  };
  return parts;
}

}  // namespace ochopod
