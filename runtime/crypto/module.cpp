#include "runtime/crypto/module.h"

#include "runtime/base/module.h"

namespace ochopod {

const detail::CryptoBackend* crypto_backend(std::string* error) {
  return load_backend_once<detail::CryptoBackend>(
      detail::kCryptoModuleFile, detail::kCryptoModuleEntry, detail::crypto_backend_abi(),
      "crypto: no OpenSSL", error);
}

}  // namespace ochopod
