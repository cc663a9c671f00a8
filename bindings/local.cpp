// The local binding: no framework, the host is the node.
#include "bindings/common.h"

namespace ochopod::binding {

BindingResult resolve_local(const Environment& env) {
  Placement p;
  p.ip = p.public_ip = first_ipv4();
  p.node = host_name();
  return finish(env, "local", p);
}

}  // namespace ochopod::binding
