// What each operator subcommand does to ONE pod, and what it shows of the
// answer: /info, /log, /control/<task>, /exec over HTTP (ops_http.h), or just
// the registration for grep and port. ops_commands.cpp builds one PodAction
// per invocation and runs it over the selected pods in parallel;
// ops_report.cpp renders the PodResults as a table, blocks or JSON.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "cli/ops/zk.h"
#include "runtime/http/client.h"

namespace ochopod::cli {

struct PodResult {
  bool ok = false;
  int http = 0;       // HTTP status of the last call, 0 if there was none
  std::string error;  // when !ok: "no answer (...)", "HTTP 410 (dead)"...
  nlohmann::json data = nlohmann::json::object();  // fields of the pod's -j entry
  std::vector<std::string> cells;                  // table cells after the pod's name (ok only)
  std::vector<std::string> lines;                  // block lines (log, exec)
};

using PodAction = std::function<PodResult(const PodRecord&)>;

using Seconds = double;

// How each pod is called: the time it gets to answer, and the token and CA
// of the operator's --token-file / --tls-ca.
struct Reach {
  Seconds timeout = 5;
  HttpTrust trust;
};

// POST /info. data {"info": {...}}; cells: state, process, status, address,
// jobs (jobs_cell).
PodResult info_action(const PodRecord& pod, const Reach& reach);
// /info's "jobs" ({name: {state, pid, restarts}}, `ochopod run --job`) as
// "<name>:<state>(<restarts>)" separated by spaces, by name; "" without it.
std::string jobs_cell(const nlohmann::json& info);
// POST /info, its metrics. data {"metrics": {...}}; cells: the metrics.
PodResult poll_action(const PodRecord& pod, const Reach& reach);
// POST /log, the last `last` lines (0: all). data {"log": [...]}; lines.
PodResult log_action(const PodRecord& pod, const Reach& reach, size_t last);
// POST /control/<task>/<ceil(timeout)> with body (empty: no body), the client
// waiting 1.25 times as long. data {"reply": {...}}; cells: outcome, reply.
PodResult control_action(const PodRecord& pod, const Reach& reach, const std::string& task,
                         const std::string& body = "");
// off then, if it worked, on. Like control_action for "on"; a failed off
// fails with "off: ...".
PodResult restart_action(const PodRecord& pod, const Reach& reach);
// POST /exec, X-Shell "<shell>", the files as multipart (field name -> content).
// ok when the pod answered 200 and the tool's code is 0. data {"code": n,
// "stdout": [...]}; lines: the stdout.
PodResult exec_action(const PodRecord& pod, const Reach& reach, const std::string& shell,
                      const std::vector<std::pair<std::string, std::string>>& files);
// The registration's addresses. data {"ip", "public", "node", "port",
// "address", "ports"}; cells: address, public, node, ports.
PodResult grep_action(const PodRecord& pod);
// Where container port n is reachable. data {"ip", "public", "port",
// "address"}; cells: address, ip. Fails when the pod does not expose n.
PodResult port_action(const PodRecord& pod, int container_port);

}  // namespace ochopod::cli
