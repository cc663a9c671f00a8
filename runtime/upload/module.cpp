#include "runtime/upload/module.h"

#include "runtime/base/module.h"

namespace ochopod {

const detail::GzipBackend* gzip_backend(std::string* error) {
  return load_backend_once<detail::GzipBackend>(detail::kGzipModuleFile, detail::kGzipModuleEntry,
                                                detail::gzip_backend_abi(), "upload: no gzip",
                                                error);
}

}  // namespace ochopod
