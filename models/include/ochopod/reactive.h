// Reactive: the default clustering model (the original's api.Reactive; docs/writing-a-pod.md).
//
// The leader watches its cluster's pods and its dependencies' snapshots; when
// the view changes it waits `damper`, then walks every pod through check,
// (off,) on and ok with the full view (docs/protocol.md 4). Subclass it to set the
// knobs and override probe().
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "ochopod/model.h"

namespace ochopod {

class Reactive : public Model {
 public:
  // Wait after a change before configuring; changes that undo themselves
  // within it cost nothing.
  std::chrono::duration<double> damper{0.0};
  // Clusters we depend on: "x" (same namespace), "/ns.x" (absolute), globs.
  std::vector<std::string> depends_on;
  // Turn every pod off before turning any on.
  bool full_shutdown = false;
  // Seconds a pod has to answer one control request (sent in the URL as a
  // whole number, ceil'ed; the leader waits that x 1.25).
  std::chrono::duration<double> control_timeout{60.0};
  std::chrono::duration<double> probe_every{60.0};

  // Contact pods one at a time, in sorted-key order.
  bool sequential = false;
};

}  // namespace ochopod
