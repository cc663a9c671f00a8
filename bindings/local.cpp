// The local binding: no framework, the host is the node.
#include "bindings/common.h"

namespace ochopod::binding {

BindingResult resolve_local(const Environment& env) {
  Placement p;
  // In local mode finish() places the pod at 127.0.0.1 on node "local":
  // asking the interfaces and the host name would be thrown away.
  if (!is_true(get(env, "ochopod_local", "false"))) {
    p.ip = p.public_ip = first_ipv4();
    p.node = host_name();
  }
  return finish(env, "local", p);
}

}  // namespace ochopod::binding
