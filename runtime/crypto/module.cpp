#include "runtime/crypto/module.h"

#include <spdlog/spdlog.h>

#include <mutex>

#include "runtime/base/module.h"

namespace ochopod {

const detail::CryptoBackend* crypto_backend(std::string* error) {
  static std::once_flag once;
  static const detail::CryptoBackend* backend = nullptr;
  static std::string why;
  std::call_once(once, [] {
    void* module = load_module(detail::kCryptoModuleFile, &why);
    void* entry = module ? module_symbol(module, detail::kCryptoModuleEntry, &why) : nullptr;
    if (entry != nullptr) {
      const auto abi = detail::crypto_backend_abi();
      backend = reinterpret_cast<detail::CryptoBackendEntry>(entry)(&abi);
      if (backend == nullptr) {
        why = std::string(detail::kCryptoModuleFile) + " is from another build of ochopod " +
              "than this binary (" + OCHOPOD_VERSION + ")";
      }
    }
    if (backend == nullptr) spdlog::error("crypto: no OpenSSL: {}", why);
  });
  if (backend == nullptr && error != nullptr) *error = why;
  return backend;
}

}  // namespace ochopod
