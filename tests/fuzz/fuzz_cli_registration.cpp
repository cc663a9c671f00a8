// A pod node's data as the operator CLI reads it (cli/ops_zk read_pods):
// JSON text kept when it is an object, then everything `grep`, `port` and the
// reports take from it (PodRecord's fields, ops_actions, ops_report) in both
// table and -j forms; `ls` with the same object as a pod's /info answer.
#include <cstdint>
#include <string>
#include <vector>

#include "cli/ops/actions.h"
#include "cli/ops/report.h"
#include "cli/ops/zk.h"
#include "fuzz_support.h"

using nlohmann::json;
using namespace ochopod::cli;
using ochopod::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  json payload = json::parse(text, nullptr, false);
  if (!payload.is_object()) return 0;  // skipped, as read_pods does

  PodRecord pod;
  pod.cluster = "marathon.web";
  pod.node = "0f2c5d0e-uuid.0000000007";
  pod.uuid = "0f2c5d0e-uuid";
  pod.seq = 7;
  pod.payload = std::move(payload);
  (void)pod.key();
  for (const char* field : {"ip", "public", "node", "application", "task"}) {
    (void)pod.string_field(field);
  }
  const auto control = pod.control_port();
  check(!control || pod.remapped(std::stoi(pod.payload["port"].is_string()
                                               ? pod.payload["port"].get<std::string>()
                                               : std::to_string(pod.payload["port"].get<int>()))) ==
                        control,
        "the control port is the remapped declared port");

  std::vector<PodRecord> pods = {pod, pod};
  pods[1].uuid = "0f2c5d0e-other";  // two pods claiming one seq
  const std::vector<PodResult> results = {grep_action(pod), port_action(pod, 8080)};
  // `ls` reads /info answers (JSON objects, as ask_info checks): the same
  // hostile object stands in for one.
  PodResult info;
  info.ok = true;
  info.data["info"] = pod.payload;
  const std::vector<PodResult> infos = {info, PodResult{}};
  (void)output_keys(pods);
  for (bool as_json : {false, true}) {
    const std::string table = render_pods(
        pods, results, PodReportStyle{{"ADDRESS", "PUBLIC", "NODE", "PORTS"}, false}, as_json);
    check(!table.empty() && table.back() == '\n', "a report ends with a newline");
    (void)render_pods(pods, results, PodReportStyle{{}, true}, as_json);
    (void)render_clusters({pod.cluster}, pods, infos, as_json);
  }
  return 0;
}
