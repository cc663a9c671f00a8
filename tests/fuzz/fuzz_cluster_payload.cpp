// A /control/* body as a Piped pod reads it: JSON text (as the control server
// parses it) -> ControlRequest -> Cluster::from_payload -> what PipedController
// and a pod's configure() do with it (the OCHOPOD_CLUSTER file's text, the
// dependency comparison, Cluster::grep). And the fast path a large body
// takes (Cluster::from_text, or the Cluster the cache read with its
// validation; no tree): it must read the very same cluster, or refuse
// exactly what the tree path refuses. And the same bytes as a body diff.
#include <cstdint>
#include <stdexcept>
#include <string>

#include "fuzz_support.h"
#include "ochopod/cluster.h"
#include "runtime/control/body/body_diff.h"
#include "runtime/control/body/fast_json.h"
#include "runtime/control/body/payload_cache.h"
#include "runtime/control/request.h"

using nlohmann::json;
using ochopod::Cluster;
using ochopod::fuzz::check;

// The same text as a check sent as what changed (body_diff.h), against a
// kept body: refused with a reason, or a body that reads as the base's pods
// minus those gone plus those added, byte for byte what a leader would write.
void as_diff(const std::string& text) {
  static const json base = {{"dependencies", json::object()},
                            {"key", "b"},
                            {"pods", {{"a", {{"seq", 1}}}, {"b", {{"seq", 2}}}, {"c", "x"}}}};
  static const std::string base_text = ochopod::to_json(base);
  const auto pods = ochopod::fast_json::member_text(base_text, "pods");
  const auto members = ochopod::fast_json::sorted_members(
      base_text, static_cast<size_t>(pods->data() - base_text.data()), pods->size());
  check(members.has_value(), "a leader's pods map is sorted members");
  std::string error;
  const auto applied = ochopod::body_diff::apply(base_text, *members, text, &error);
  if (!applied) {
    check(!error.empty(), "a refused diff says why");
    return;
  }
  const json diff = json::parse(text);  // apply accepted it: JSON
  json expected = base["pods"];
  for (const auto& gone : diff["gone"]) expected.erase(gone.get<std::string>());
  for (auto it = diff["added"].begin(); it != diff["added"].end(); ++it) expected[it.key()] = *it;
  const json got = json::parse(applied->text, nullptr, false);
  check(!got.is_discarded(), "a diff gives JSON");
  check(got["pods"] == expected && got["key"] == diff["key"] &&
            got["dependencies"] == diff["dependencies"],
        "a diff gives the base's pods, less those gone, with those added");
  const Cluster cluster = Cluster::from_payload(got);
  check(applied->facts.key == cluster.key && applied->facts.size == cluster.size &&
            applied->facts.index == cluster.index && applied->facts.seq == cluster.seq,
        "a diff's facts are those of the body it gives");
  check(applied->text == "{\"dependencies\":" + ochopod::to_json(diff["dependencies"]) +
                             ",\"key\":" + ochopod::to_json(diff["key"]) +
                             ",\"pods\":" + ochopod::to_json(expected) + "}" ||
            text != ochopod::to_json(diff),
        "a diff a leader wrote gives the body it would have sent whole");
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  as_diff(text);
  json body = json::parse(text, nullptr, false);
  // The control server's view: the same acceptance as nlohmann's.
  ochopod::PayloadCache cache(0);  // every body takes the large bodies' path
  const ochopod::Payload cached = cache.parse(text, true);
  check(static_cast<bool>(cached) == !body.is_discarded(), "the cache accepts what nlohmann does");
  if (body.is_discarded()) return 0;  // the control server answers 400
  check(*cached == body, "a cached body reads as the same tree");
  const ochopod::ControlRequest request{"on", ochopod::make_payload(body)};
  check(request.from_leader() == cached.has_pods(), "both forms agree on a leader's payload");
  Cluster cluster;
  bool refused = false;
  try {
    cluster = Cluster::from_payload(*request.body);
  } catch (const std::invalid_argument&) {
    refused = true;  // the documented refusal: 406
  }
  Cluster fast;
  bool fast_refused = false;
  try {
    fast = Cluster::from_text(text);
  } catch (const std::invalid_argument&) {
    fast_refused = true;
  }
  check(refused == fast_refused, "from_text refuses what from_payload refuses");
  if (refused) return 0;
  check(fast.key == cluster.key && fast.index == cluster.index && fast.seq == cluster.seq &&
            fast.size == cluster.size && fast.dependencies == cluster.dependencies &&
            fast.pods() == cluster.pods(),
        "from_text reads the cluster from_payload reads");
  check(json::parse(fast.pods_text()) == cluster.pods(), "pods_text is the pods map");
  // What the control server read along with its validation, when it could.
  if (const Cluster* read = cached.cluster()) {
    check(read->key == cluster.key && read->index == cluster.index && read->seq == cluster.seq &&
              read->size == cluster.size && read->dependencies == cluster.dependencies &&
              read->pods() == cluster.pods() && json::parse(read->pods_text()) == cluster.pods(),
          "the cache's Cluster is the one from_payload reads");
  }
  check(cluster.size == static_cast<int>(cluster.pods().size()), "size counts the pods");
  check(cluster.index >= 0 && (cluster.size == 0 || cluster.index < cluster.size),
        "index is a position in pods");
  check(cluster.pods().is_object() && cluster.dependencies.is_object(),
        "pods/dependencies objects");

  // PipedController: the cluster file, then the dependency comparison.
  const std::string file = ochopod::to_json(cluster.to_json());
  const Cluster again = Cluster::from_payload(json::parse(file));
  check(again.pods() == cluster.pods() && again.dependencies == cluster.dependencies &&
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
