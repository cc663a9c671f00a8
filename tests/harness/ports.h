// Free TCP ports on 127.0.0.1 for servers a test starts (ZooKeeper, pods'
// control ports, children's listeners).
//
// Picked at random below the kernel's ephemeral range (32768 and up here),
// never by binding port 0: a port the kernel hands out for port 0 comes
// from the range it also gives every outgoing connection, so under load
// (a test sending 100 requests/s, ZooKeeper clients, HAProxy's checks) a
// port picked but not yet bound by its server was taken as some
// connection's local port, and the server failed with "Address already in
// use". A port is handed out once per process and only if it binds now;
// two test processes side by side collide only if they draw the same port
// at the same moment.
#pragma once

#include <vector>

namespace ochopod::test {

// A port that was free on 127.0.0.1 a moment ago.
int free_port();

// n distinct such ports.
std::vector<int> free_ports(int n);

}  // namespace ochopod::test
