// Our own modules: shared objects of this project that a pod loads the first
// time it needs what they hold, not at exec; and the programs installed
// beside them.
//
// A pod's boot is mostly the dynamic linker's work on the libraries the
// binary names (docs/internals.md, "What a pod costs at start"). Code that a
// follower never runs and that drags in heavy libraries lives in a module
// instead: the HTTP client (cpp-httplib, which brings OpenSSL's error strings
// and the Brotli libraries) is the first (runtime/http/backend.h). Modules
// still link Debian's shared libraries, so their security updates reach pods
// and the packages' computed Depends stay.
//
// Where a module is looked for, first found wins:
//   1. <the executable's directory>/../lib/ochopod/<file>: a build tree
//      (build/bin/ochopod beside build/lib/ochopod/), or an install whose
//      binaries and modules sit side by side under one prefix;
//   2. the directory the modules were installed to (OCHOPOD_MODULE_DIR,
//      e.g. /usr/lib/x86_64-linux-gnu/ochopod), for /usr/bin/ochopod and for
//      every pod author's binary built against an installed ochopod.
// A module is never unloaded: what it gives stays valid for the process's
// life. Any thread; loading twice the same file returns the same handle.
#pragma once

#include <mutex>
#include <string>

#include "runtime/base/module_abi.h"

namespace ochopod {

// The module's handle (as dlopen gives it), or nullptr with *error saying
// where it was looked for and why it could not be loaded.
void* load_module(const std::string& file_name, std::string* error);

// The path of a program installed beside the modules (the guardian,
// runtime/process/guardian.h), looked for where modules are; empty with
// *error saying where it was looked for when it is nowhere executable.
std::string installed_program(const std::string& file_name, std::string* error);

// The symbol's address in a loaded module, or nullptr with *error set.
void* module_symbol(void* module, const char* name, std::string* error);

// A module's backend: loads `file` and calls its `entry`, a
// ModuleEntry<Backend> (module_abi.h), with the binary's own abi. The module
// answers nullptr to an abi that is not its own (another build's version,
// other sizes of the types that cross), and so does this, with *error set.
// Each module's callers load it with load_backend_once(), below.
template <typename Backend>
const Backend* load_backend(const char* file, const char* entry, const ModuleAbi& abi,
                            std::string* error) {
  void* module = load_module(file, error);
  void* symbol = module ? module_symbol(module, entry, error) : nullptr;
  if (symbol == nullptr) return nullptr;
  const Backend* backend = reinterpret_cast<ModuleEntry<Backend>>(symbol)(&abi);
  if (backend == nullptr) {
    *error = std::string(file) + " is from another build of ochopod than this binary (" +
             abi.version + ")";
  }
  return backend;
}

// Logs, once per module, why its backend could not be loaded.
void log_backend_missing(const char* what, const std::string& why);

// The backend every caller of one module shares: loaded by the first call
// (std::call_once: later calls wait for that load and share its outcome, a
// module that cannot be loaded now will not be later). When there is none,
// why is logged once as an error ("<what>: <why>") and given to *error.
template <typename Backend>
const Backend* load_backend_once(const char* file, const char* entry, const ModuleAbi& abi,
                                 const char* what, std::string* error) {
  static std::once_flag once;
  static const Backend* backend = nullptr;
  static std::string why;
  std::call_once(once, [&] {
    backend = load_backend<Backend>(file, entry, abi, &why);
    if (backend == nullptr) log_backend_missing(what, why);
  });
  if (backend == nullptr && error != nullptr) *error = why;
  return backend;
}

}  // namespace ochopod
