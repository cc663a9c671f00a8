// Bindings: how a pod learns where it runs (docs/protocol.md 2 and 6).
//
// A binding turns the process environment into PodSettings: the registration
// payload (every ochopod_<x> variable copied as <x>, then the binding's own
// keys), the ZooKeeper address and the port the control server listens on.
// Called once at boot by `ochopod run` and by boot() in a user's pod.
//
//   local       no framework: node = host name, ip = first non-loopback IPv4
//   marathon    MARATHON_APP_ID, MESOS_TASK_ID, HOST, PORT_<n>; ZooKeeper from
//               ochopod_zk or the Mesos agent's configuration files
//   kubernetes  POD_NAME, POD_NAMESPACE, POD_IP (downward API); no remapping
//   solo        no ZooKeeper at all: the pod leads a cluster of one
// Any binding runs solo when it finds no ZooKeeper address. ochopod_local=true
// means local addressing under any binding: 127.0.0.1, node "local", and the
// control port listens on its PORT_<n> remapping.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/base/environment.h"
#include "runtime/pod/settings.h"

namespace ochopod {

// The names resolve_binding() takes, for whoever checks one first (`ochopod
// run --binding`).
inline constexpr std::array<std::string_view, 4> kBindingNames = {"marathon", "kubernetes", "local",
                                                                  "solo"};

struct BindingResult {
  std::optional<PodSettings> settings;
  std::string error;  // one line naming the variable at fault, when settings is empty
};

// Builds the settings for the named binding (empty: marathon when
// MARATHON_APP_ID is set, kubernetes when POD_IP is, else local). Never
// throws.
BindingResult resolve_binding(const Environment& env, const std::string& binding);

// Where the marathon binding looks for MESOS_MASTER=zk://..., in order. The
// variable OCHOPOD_MESOS_FILES (comma-separated) replaces the list, for tests.
std::vector<std::string> mesos_config_files(const Environment& env);

}  // namespace ochopod
