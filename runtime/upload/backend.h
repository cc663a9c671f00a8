// GzipBackend: what the gzip module gives ochopod::upload, the one thing
// runtime/upload/archive.cpp and the module (backend/zlib_backend.cpp) share.
//
// Only `ochopod servo` and pods that take uploads ever compress or
// decompress, yet the ochopod command, which links ochopod::upload for
// `servo`, mapped and relocated zlib at every exec, a pod's boot included
// (docs/internals.md, "What a pod costs at start"). So every call into zlib
// lives in a module (runtime/base/module.h), libochopod-gzip.so, loaded by
// the first archive packed or unpacked. The module is built with the
// library from the same headers; the entry point checks the version and the
// size of the backend, and refuses a module of another build.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "runtime/base/module_abi.h"

namespace ochopod::detail {

// Why a gzip stream could not be made or read: archive.cpp's ArchiveError.
struct GzipFailure {
  std::string message;
  bool too_large = false;  // the output grew past the cap
};

class GzipBackend {
 public:
  // The decompressed bytes of `gz`, one gzip member or several concatenated
  // (gzip -c a b), into *out; false with *failure for anything that is not
  // gzip or is truncated, and as soon as *out would hold more than cap bytes
  // (checked as it grows: a small bomb never expands in memory).
  virtual bool gunzip(std::string_view gz, size_t cap, std::string* out,
                      GzipFailure* failure) const = 0;
  // One gzip member: no name, mtime 0, OS byte 255 ("unknown"), the default
  // level, so the same bytes always compress to the same member.
  virtual bool gzip(std::string_view data, std::string* out, GzipFailure* failure) const = 0;

 protected:
  ~GzipBackend() = default;  // a static of the module's; never deleted through this
};

inline constexpr const char* kGzipModuleFile = "libochopod-gzip.so";
inline constexpr const char* kGzipModuleEntry = "ochopod_gzip_backend_v1";

// Defined only where the ABI is checked (module.cpp and the module), which
// are compiled with the project's version; archive.cpp does not need it.
#ifdef OCHOPOD_VERSION
inline ModuleAbi gzip_backend_abi() {
  return {OCHOPOD_VERSION, {sizeof(GzipBackend), sizeof(GzipFailure)}};
}
#endif

}  // namespace ochopod::detail
