// The control plane's protection from the environment (docs/protocol.md,
// "Security"): the token and the TLS files, for every binding. finish()
// calls it; the variables it reads are the ones kept out of registrations.
#include "bindings/common.h"
#include "ochopod/secret.h"

namespace ochopod::binding {

bool is_secret_variable(const std::string& key) {
  return key == "ochopod_token" || key == "ochopod_token_file";
}

bool read_security(const Environment& env, ControlSecurity* security, std::string* error) {
  // The file is preferred (a variable shows in `ps e` and /proc/<pid>/environ);
  // given both, it wins.
  const std::string file = get(env, "ochopod_token_file");
  if (!file.empty()) {
    if (!read_secret_file(file, &security->token, error)) {
      *error = "ochopod_token_file: " + *error;
      return false;
    }
  } else if (env.count("ochopod_token") &&
             !trim_secret(get(env, "ochopod_token"), "ochopod_token", &security->token, error)) {
    return false;
  }
  security->tls_cert = get(env, "ochopod_tls_cert");
  security->tls_key = get(env, "ochopod_tls_key");
  security->tls_ca = get(env, "ochopod_tls_ca");
  if (security->tls_cert.empty() != security->tls_key.empty()) {
    *error = "ochopod_tls_cert and ochopod_tls_key go together: give both or neither";
    return false;
  }
  return true;
}

}  // namespace ochopod::binding
