// The gzip module (runtime/upload/backend.h), loaded by the first archive
// packed or unpacked (archive.cpp). Any thread.
#pragma once

#include <string>

#include "runtime/upload/backend.h"

namespace ochopod {

// The module's backend, or nullptr with *error saying why it could not be
// loaded. Loaded once: every later call waits for that load and shares its
// outcome (a module that cannot be loaded now will not be later; the reason
// is logged once, as an error).
const detail::GzipBackend* gzip_backend(std::string* error);

}  // namespace ochopod
