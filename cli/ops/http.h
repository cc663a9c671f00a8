// HTTP for the operator subcommands: the runtime's one HTTP client
// (http_send to a pod's control URL, docs/protocol.md 5) and a bounded
// thread pool to call many pods at once. The per-pod actions (ops_actions.cpp)
// build HttpRequests; ops_commands.cpp runs them over the selected pods with
// parallel_for().
#pragma once

#include <cstddef>
#include <functional>
#include <string>

#include "runtime/http/client.h"

namespace ochopod::cli {

using HttpRequest = ochopod::HttpRequest;
using HttpAnswer = ochopod::HttpAnswer;

// Runs work(i) for every i in [0, n) on at most max_threads threads at once;
// returns when all are done. work must not throw.
void parallel_for(size_t n, size_t max_threads, const std::function<void(size_t)>& work);

}  // namespace ochopod::cli
