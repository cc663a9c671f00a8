// CryptoBackend: what the crypto module gives the binary, the one thing
// runtime/crypto/*.cpp and the module (backend/openssl_backend.cpp) share.
//
// OpenSSL is the heaviest library a pod would name: libcrypto and libssl
// hold most of the relocations the dynamic linker applies at exec and 1.7
// MiB of a pod's pages (docs/internals.md, "What a pod costs at start"),
// while most pods never hash, sign or speak TLS. So every call into
// OpenSSL lives in a module (runtime/base/module.h), libochopod-crypto.so,
// loaded the first time one is needed: a token or a TLS port at start, a
// ZooKeeper ACL with credentials, a signed upload, the dashboard's secrets. The module is built
// with the binary from the same headers; the entry point checks the version and the sizes of the
// types that cross, and refuses a module of another build.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "runtime/base/module_abi.h"

namespace ochopod::detail {

// MD5 is not here: the snapshot's hash is computed without OpenSSL (md5.h).
enum class DigestKind { kSha1, kSha256 };

// One message digest, fed piecewise. Any thread, one at a time.
class DigestState {
 public:
  virtual ~DigestState() = default;
  virtual void add(std::string_view text) = 0;
  // The raw digest; the state is spent.
  virtual std::string finish() = 0;
};

// The server side of one TLS connection, fed and drained by the caller
// (runtime/control/tls_stream.h), which owns the socket: the session never
// does I/O. One thread at a time (the control server's I/O thread).
class TlsSession {
 public:
  enum class Step {
    kDone,       // the operation completed (*moved bytes, for read and write)
    kWantInput,  // put_input() more ciphertext and call it again
    kClosed,     // the peer sent close_notify
    kFailed,     // a protocol error; error() says which
  };
  virtual ~TlsSession() = default;
  virtual Step handshake() = 0;
  virtual Step read(void* data, size_t size, size_t* moved) = 0;
  virtual Step write(const void* data, size_t size, size_t* moved) = 0;
  // Ciphertext received from the peer.
  virtual void put_input(const void* data, size_t size) = 0;
  // Appends the ciphertext waiting to be sent to the peer to *out.
  virtual void take_output(std::string* out) = 0;
  virtual std::string error() const = 0;
};

// A certificate chain and its key, loaded once; sessions share it.
class TlsServerContext {
 public:
  virtual ~TlsServerContext() = default;
  virtual std::unique_ptr<TlsSession> session() = 0;
};

class CryptoBackend {
 public:
  virtual std::unique_ptr<DigestState> digest(DigestKind kind) const = 0;
  virtual std::string hmac_sha1(std::string_view key, std::string_view data) const = 0;
  // nullptr with *error saying which file could not be used and why.
  virtual std::unique_ptr<TlsServerContext> tls_server(const std::string& cert_file,
                                                       const std::string& key_file,
                                                       std::string* error) const = 0;

 protected:
  ~CryptoBackend() = default;  // a static of the module's; never deleted through this
};

inline constexpr const char* kCryptoModuleFile = "libochopod-crypto.so";
inline constexpr const char* kCryptoModuleEntry = "ochopod_crypto_backend_v1";

// Defined only where the ABI is checked (module.cpp and the module), which
// are compiled with the project's version; elsewhere it is not needed.
#ifdef OCHOPOD_VERSION
inline ModuleAbi crypto_backend_abi() {
  return {
      OCHOPOD_VERSION,
      {sizeof(CryptoBackend), sizeof(DigestState), sizeof(TlsSession), sizeof(TlsServerContext)}};
}
#endif

}  // namespace ochopod::detail
