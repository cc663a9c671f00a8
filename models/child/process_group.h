// group_alive: does a process group still have a live member?
//
// The stops of the pod's child wait on it (ReaperChildHost,
// models/piped/child_host.h). kill(-pgid, 0) alone also counts zombies:
// grandchildren orphaned by the stop linger as zombies until their new parent
// (init, or whatever runs as PID 1 when the pod does not) reaps them, which
// can take seconds. A zombie has already stopped, so when kill() says the
// group exists this looks closer, in /proc.
#pragma once

#include <sys/types.h>

namespace ochopod::detail {

bool group_alive(pid_t pgid);

}  // namespace ochopod::detail
