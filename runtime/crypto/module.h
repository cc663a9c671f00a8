// The crypto module (runtime/crypto/backend.h), loaded by the first caller
// that needs it: a digest (digest.h) or a TLS port (runtime/control/
// tls_stream.h). Any thread.
#pragma once

#include <string>

#include "runtime/crypto/backend.h"

namespace ochopod {

// The module's backend, or nullptr with *error saying why it could not be
// loaded. Loaded once: every later call waits for that load and shares its
// outcome (a module that cannot be loaded now will not be later; the reason
// is logged once, as an error).
const detail::CryptoBackend* crypto_backend(std::string* error);

}  // namespace ochopod
