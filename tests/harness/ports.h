// Free TCP ports on 127.0.0.1 for servers a test starts (ZooKeeper, pods'
// control ports). The kernel picks them (bind to port 0), so two tests running
// side by side rarely collide; a server that still loses the race should
// retry with a new port.
#pragma once

#include <vector>

namespace ochopod::test {

// A port that was free on 127.0.0.1 a moment ago.
int free_port();

// n distinct such ports (all held open together while picking).
std::vector<int> free_ports(int n);

}  // namespace ochopod::test
