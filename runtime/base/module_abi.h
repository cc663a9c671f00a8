// ModuleAbi: what one of our modules (runtime/base/module.h) and the binary
// that loads it must agree on: they were built together.
//
// The binary hands its ModuleAbi to the module's entry point, which answers
// nullptr unless it is its own (same_build): a module left from another
// build of ochopod, or built with other headers, is refused before any call
// crosses. Header-only: the modules include it without linking the runtime.
#pragma once

#include <array>
#include <cstddef>
#include <cstring>

namespace ochopod {

struct ModuleAbi {
  const char* version;  // the project's version
  // The sizes of the types that cross the boundary, in an order each
  // module's backend.h fixes; 0 past the last.
  std::array<std::size_t, 4> sizes{};
};

inline bool same_build(const ModuleAbi* theirs, const ModuleAbi& ours) {
  return theirs != nullptr && theirs->version != nullptr &&
         std::strcmp(theirs->version, ours.version) == 0 && theirs->sizes == ours.sizes;
}

// A module's entry point: its backend, or nullptr if abi is not its own.
template <typename Backend>
using ModuleEntry = const Backend* (*)(const ModuleAbi* abi);

}  // namespace ochopod
