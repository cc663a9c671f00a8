// Bindings: how a pod learns where it runs (PROTOCOL.md 2 and 6).
//
// A binding turns the process environment into PodSettings: the registration
// payload (every ochopod_<x> variable copied as <x>, then the binding's own
// keys), the ZooKeeper address and the port the control server listens on.
// Called once at boot by `ochopod run` and by boot() in a user's pod.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "ochopod/pod.h"

namespace ochopod {

using Environment = std::map<std::string, std::string>;

// The current process environment.
Environment current_environment();

struct BindingResult {
  std::optional<PodSettings> settings;
  std::string error;   // one line naming the culprit, when settings is empty
};

// Builds the settings for the named binding ("local"; empty = pick from the
// environment). Never throws; errors name the variable at fault.
BindingResult resolve_binding(const Environment& env, const std::string& binding);

}  // namespace ochopod
