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
    backend = load_backend<detail::CryptoBackend>(
        detail::kCryptoModuleFile, detail::kCryptoModuleEntry, detail::crypto_backend_abi(), &why);
    if (backend == nullptr) spdlog::error("crypto: no OpenSSL: {}", why);
  });
  if (backend == nullptr && error != nullptr) *error = why;
  return backend;
}

}  // namespace ochopod
