#include "runtime/upload/module.h"

#include <spdlog/spdlog.h>

#include <mutex>

#include "runtime/base/module.h"

namespace ochopod {

const detail::GzipBackend* gzip_backend(std::string* error) {
  static std::once_flag once;
  static const detail::GzipBackend* backend = nullptr;
  static std::string why;
  std::call_once(once, [] {
    backend = load_backend<detail::GzipBackend>(detail::kGzipModuleFile, detail::kGzipModuleEntry,
                                                detail::gzip_backend_abi(), &why);
    if (backend == nullptr) spdlog::error("upload: no gzip: {}", why);
  });
  if (backend == nullptr && error != nullptr) *error = why;
  return backend;
}

}  // namespace ochopod
