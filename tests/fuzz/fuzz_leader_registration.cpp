// A pod node's data as the reactive leader reads it (ReactiveLeader::
// refresh_pod and refresh_dependencies): JSON text kept only when it is an
// object, then the snapshot map, its hash, the control URL a round posts to,
// the payload a round sends and Cluster::from_payload for probe().
//
// Input: the registration's bytes. A second registration of the same pod and
// a dependency's snapshot reuse the same bytes, as a hostile cluster could.
#include <cstdint>
#include <stdexcept>
#include <string>

#include "fuzz_support.h"
#include "models/reactive/snapshot.h"
#include "ochopod/cluster.h"

using nlohmann::json;
using ochopod::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  json payload = json::parse(text, nullptr, false);
  if (!payload.is_object()) return 0;  // skipped, as the leader does

  json local = json::object();
  local["0f2c5d0e-uuid"] = payload;
  json map = json::object();
  map["local"] = local;
  map["ns.dependency"] = payload;  // a dependency's snapshot, merged by update()
  const std::string hash = ochopod::snapshot_hash(map);
  check(hash.size() == 16 * 3 - 1, "an MD5 as 16 hex pairs");

  const std::string url = ochopod::control_url(payload);
  check(url.empty() || url.rfind("http://", 0) == 0, "a control URL is http:// or empty");

  // What a round posts (PhaseBody: pods and dependencies serialized once).
  const json body{
      {"pods", local}, {"dependencies", json{{"dependency", local}}}, {"key", "0f2c5d0e-uuid"}};
  const std::string posted = ochopod::to_json(body);
  const auto cluster = ochopod::Cluster::from_payload(json::parse(posted));
  check(cluster.size == 1 && cluster.key == "0f2c5d0e-uuid" && cluster.index == 0,
        "the leader's own payload reads back");
  try {
    (void)cluster.grep("dependency", 8080, false);
  } catch (const std::out_of_range&) {
  }
  return 0;
}
