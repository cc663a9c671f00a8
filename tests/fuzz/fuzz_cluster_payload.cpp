// A /control/* body as a Piped pod reads it: JSON text (as the control server
// parses it) -> ControlRequest -> Cluster::from_payload -> what PipedController
// and a pod's configure() do with it (the OCHOPOD_CLUSTER file's text, the
// dependency comparison, Cluster::grep).
#include <cstdint>
#include <stdexcept>
#include <string>

#include "fuzz_support.h"
#include "ochopod/cluster.h"
#include "ochopod/control.h"

using nlohmann::json;
using ochopod::Cluster;
using ochopod::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  json body = json::parse(text, nullptr, false);
  if (body.is_discarded()) return 0;  // the control server answers 400
  const ochopod::ControlRequest request{"on", ochopod::make_payload(body)};
  (void)request.from_leader();
  Cluster cluster;
  try {
    cluster = Cluster::from_payload(*request.body);
  } catch (const std::invalid_argument&) {
    return 0;  // the documented refusal: 406
  }
  check(cluster.size == static_cast<int>(cluster.pods.size()), "size counts the pods");
  check(cluster.index >= 0 && (cluster.size == 0 || cluster.index < cluster.size),
        "index is a position in pods");
  check(cluster.pods.is_object() && cluster.dependencies.is_object(), "pods/dependencies objects");

  // PipedController: the cluster file, then the dependency comparison.
  const std::string file = ochopod::to_json(cluster.to_json());
  const Cluster again = Cluster::from_payload(json::parse(file));
  check(again.pods == cluster.pods && again.dependencies == cluster.dependencies &&
            again.key == cluster.key && again.index == cluster.index && again.seq == cluster.seq,
        "the cluster file reads back as the same cluster");
  (void)(cluster.dependencies != json::object());

  // configure(): grep every dependency on the ports its pods declare, and on
  // one nobody declares. Its contract: a string, or std::out_of_range.
  for (auto dep = cluster.dependencies.begin(); dep != cluster.dependencies.end(); ++dep) {
    std::vector<int> ports = {8080};
    if (dep->is_object()) {
      for (const auto& pod : *dep) {
        if (!pod.is_object() || !pod.contains("ports") || !pod["ports"].is_object()) continue;
        for (auto p = pod["ports"].begin(); p != pod["ports"].end(); ++p) {
          try {
            ports.push_back(std::stoi(p.key()));
          } catch (const std::exception&) {
          }
        }
      }
    }
    for (int port : ports) {
      for (bool use_public : {false, true}) {
        try {
          (void)cluster.grep(dep.key(), port, use_public);
        } catch (const std::out_of_range&) {
        }
      }
    }
  }
  try {
    (void)cluster.grep("no such dependency \xff", 1, false);
    check(false, "grep of an unknown dependency throws");
  } catch (const std::out_of_range&) {
  }
  return 0;
}
