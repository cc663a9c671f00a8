// The kubernetes binding: the downward API tells the pod who and where it is;
// pods are reachable on their own ports, so nothing is remapped.
#include "bindings/common.h"

namespace ochopod::binding {

BindingResult resolve_kubernetes(const Environment& env) {
  for (const char* required : {"POD_NAME", "POD_NAMESPACE", "POD_IP"}) {
    if (get(env, required).empty()) {
      return BindingResult{std::nullopt, std::string("kubernetes binding: ") + required +
                                             " is not set (downward API)"};
    }
  }
  Placement p;
  p.ip = p.public_ip = get(env, "POD_IP");
  p.node = get(env, "NODE_NAME", host_name());
  p.application = get(env, "POD_NAMESPACE");
  p.task = get(env, "POD_NAME");
  p.remap_ports = false;
  return finish(env, "kubernetes", p);
}

}  // namespace ochopod::binding
