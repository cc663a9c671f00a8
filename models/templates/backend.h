// MustacheBackend: what the mustache module gives the templates
// (ochopod/template.h), the one thing models/templates/template.cpp and the
// module (backend/mustache_backend.cpp) share.
//
// kainjow's Mustache header includes <iostream>, and a file that includes it
// constructs the standard streams and the C++ locale when the program
// starts: every exec of the ochopod command paid for them, a pod's boot
// included (docs/internals.md, "What a pod costs at start"), though only a
// pod run with --template ever renders one. So the renderer lives in a
// module (runtime/base/module.h), libochopod-mustache.so, loaded by the
// first template checked or rendered. template.cpp marks the variable tags
// (kVariableMark), which needs nothing of kainjow's; the module parses and
// renders. The entry point checks the version and the sizes of what
// crosses, and refuses a module of another build.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "runtime/base/module_abi.h"

namespace ochopod::detail {

// Starts the name of a variable tag template.cpp rewrote (`{{ip}}` ->
// `{{&\x1fip}}`): a byte no tag name holds and that kainjow's trim keeps.
// The module renders a marked name strictly (it must resolve to a value).
inline constexpr char kVariableMark = '\x1f';

class MustacheBackend {
 public:
  // The marked template rendered with view, into *out; false with *error
  // (the first failure: a parse error, a marked name without a value, a
  // list or object where a value goes, a partial).
  virtual bool render(const std::string& marked, const nlohmann::json& view, std::string* out,
                      std::string* error) const = 0;
  // Whether the marked template parses; false with *error.
  virtual bool check(const std::string& marked, std::string* error) const = 0;

 protected:
  ~MustacheBackend() = default;  // a static of the module's; never deleted through this
};

inline constexpr const char* kMustacheModuleFile = "libochopod-mustache.so";
inline constexpr const char* kMustacheModuleEntry = "ochopod_mustache_backend_v1";

// Defined only where the ABI is checked (template.cpp and the module), which
// are compiled with the project's version.
#ifdef OCHOPOD_VERSION
inline ModuleAbi mustache_backend_abi() {
  return {OCHOPOD_VERSION, {sizeof(MustacheBackend), sizeof(nlohmann::json), sizeof(std::string)}};
}
#endif

}  // namespace ochopod::detail
