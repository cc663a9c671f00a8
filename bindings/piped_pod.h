// piped_pod(): the parts of a pod whose lifecycle is a Piped and whose model
// is a Reactive: a PipedController, a ReactiveLeader and the /exec tools.
//
// boot() (a user's pod) and `ochopod run` (cli/run/command.cpp) both run
// such a pod, and wire it with this, so they cannot drift apart. Called on
// main before run_pod(); the parts it returns are built by run_pod() on the
// runtime's pieces (runtime/pod/pod.h).
#pragma once

#include <memory>
#include <vector>

#include "ochopod/piped.h"
#include "ochopod/reactive.h"
#include "ochopod/tool.h"
#include "runtime/pod/pod.h"

namespace ochopod {

// lifecycle and model must outlive run_pod(); the tools are registered in
// this order.
PodParts piped_pod(Piped& lifecycle, Reactive& model, std::vector<std::shared_ptr<Tool>> tools);

}  // namespace ochopod
