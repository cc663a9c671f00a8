// Established TCP connections on a local port, from /proc/net/tcp and
// /proc/net/tcp6: what `ochopod run --drain tcp:<port>` waits on before the
// stop signal (as gantryd's termination checks did).
//
// RunLifeCycle (models/piped/run_lifecycle.h) calls established_connections()
// on the lifecycle thread at each drain poll (one read of two small files);
// the parser is apart so it can be tested on sample text.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ochopod {

// Connections in state 01 (ESTABLISHED) whose local port is `port`, in the
// text of a /proc/net/tcp or /proc/net/tcp6 file (header line included).
// Lines that do not parse are skipped.
int count_established(std::string_view proc_net_tcp, int port);

// The sum over /proc/net/tcp and /proc/net/tcp6 (a missing tcp6, e.g. IPv6
// off, counts 0); nullopt when /proc/net/tcp cannot be read (*error says why).
std::optional<int> established_connections(int port, std::string* error = nullptr);

}  // namespace ochopod
