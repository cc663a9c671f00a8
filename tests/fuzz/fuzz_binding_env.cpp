// The environment a binding reads at boot (ochopod_* values copied into the
// registration, MARATHON_*/POD_*/PORT_<n>, ochopod_zk, ochopod_port), through
// resolve_binding, then the registration as the coordinator writes it to the
// pod's node (its JSON text) and /info shows it.
//
// Input: the first line names the binding ("" for auto, marathon,
// kubernetes, local, solo, or anything); each further line is NAME=value.
#include <cstdint>
#include <string>

#include "bindings/binding.h"
#include "fuzz_support.h"
#include "runtime/pod/hints.h"

using ochopod::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ochopod::fuzz::quiet_logs();
  auto lines = ochopod::fuzz::lines_of(data, size);
  // No host's Mesos files: the input is the whole environment.
  ochopod::Environment env{{"OCHOPOD_MESOS_FILES", "/nonexistent/ochopod-fuzz"}};
  for (size_t i = 1; i < lines.size(); ++i) {
    const auto eq = lines[i].find('=');
    if (eq != std::string::npos) env.emplace(lines[i].substr(0, eq), lines[i].substr(eq + 1));
  }
  const auto result = ochopod::resolve_binding(env, lines[0]);  // "never throws"
  if (!result.settings) {
    check(!result.error.empty(), "a refusal says why");
    return 0;
  }
  const auto& s = *result.settings;
  check(s.registration.is_object(), "the registration is an object");
  check(s.listen_port >= 0 && s.listen_port <= 65535, "the control port is a port");
  // ochopod_zk itself would be copied as "zk", credentials included: the
  // binding must replace it with the address without them.
  check(s.registration.value("zk", nlohmann::json()) == (s.zk ? s.zk->display() : ""),
        "the registration's zk is the address without credentials");
  ochopod::fuzz::serializes([&] {
    (void)ochopod::to_json(s.registration);  // the pod node's data
    ochopod::Hints hints(s.registration);
    (void)ochopod::fuzz::reply_text(hints.info());
  });
  return 0;
}
