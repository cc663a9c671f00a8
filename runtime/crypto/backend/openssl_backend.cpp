// The crypto module, libochopod-crypto.so (runtime/crypto/backend.h): every
// call this project makes into OpenSSL. Loaded by runtime/crypto/module.cpp
// the first time a digest, a signature or a TLS port is needed; runs on the
// caller's thread.
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/ssl.h>

#include <algorithm>

#include "runtime/crypto/backend.h"

namespace ochopod::detail {

namespace {

// OpenSSL's error queue (per thread) as one line, emptied.
std::string drain_errors() {
  std::string out;
  char line[256];
  while (const unsigned long code = ERR_get_error()) {
    ERR_error_string_n(code, line, sizeof line);
    if (!out.empty()) out += "; ";
    out += line;
  }
  return out;
}

const EVP_MD* algorithm(DigestKind kind) {
  switch (kind) {
    case DigestKind::kSha1:
      return EVP_sha1();
    case DigestKind::kSha256:
      return EVP_sha256();
  }
  return nullptr;
}

class EvpDigest final : public DigestState {
 public:
  explicit EvpDigest(DigestKind kind) : ctx_(EVP_MD_CTX_new()) {
    ok_ = ctx_ != nullptr && EVP_DigestInit_ex(ctx_, algorithm(kind), nullptr) == 1;
  }
  ~EvpDigest() override { EVP_MD_CTX_free(ctx_); }
  EvpDigest(const EvpDigest&) = delete;
  EvpDigest& operator=(const EvpDigest&) = delete;

  bool ok() const { return ok_; }
  void add(std::string_view text) override { EVP_DigestUpdate(ctx_, text.data(), text.size()); }
  std::string finish() override {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (EVP_DigestFinal_ex(ctx_, digest, &length) != 1) return {};
    return std::string(reinterpret_cast<const char*>(digest), length);
  }

 private:
  EVP_MD_CTX* ctx_;
  bool ok_ = false;
};

// Memory BIOs on both sides: the caller moves the ciphertext, so the
// session fits whatever loop owns the socket.
class OpensslSession final : public TlsSession {
 public:
  explicit OpensslSession(SSL_CTX* ctx) : ssl_(SSL_new(ctx)) {
    if (ssl_ == nullptr) return;
    in_ = BIO_new(BIO_s_mem());
    out_ = BIO_new(BIO_s_mem());
    if (in_ == nullptr || out_ == nullptr) {
      BIO_free(in_);
      BIO_free(out_);
      in_ = out_ = nullptr;
      return;
    }
    // An empty input is "wait for more", not the end of the stream.
    BIO_set_mem_eof_return(in_, -1);
    SSL_set_bio(ssl_, in_, out_);  // the SSL owns both from here
    SSL_set_accept_state(ssl_);
  }
  ~OpensslSession() override { SSL_free(ssl_); }
  OpensslSession(const OpensslSession&) = delete;
  OpensslSession& operator=(const OpensslSession&) = delete;

  bool ok() const { return ssl_ != nullptr && in_ != nullptr; }

  Step handshake() override {
    ERR_clear_error();
    return step(SSL_do_handshake(ssl_));
  }
  Step read(void* data, size_t size, size_t* moved) override {
    ERR_clear_error();
    *moved = 0;
    return step(SSL_read_ex(ssl_, data, size, moved));
  }
  Step write(const void* data, size_t size, size_t* moved) override {
    ERR_clear_error();
    *moved = 0;
    return step(SSL_write_ex(ssl_, data, size, moved));
  }
  void put_input(const void* data, size_t size) override {
    // A memory BIO takes all it is given (it grows).
    while (size > 0) {
      const int n = BIO_write(in_, data, static_cast<int>(std::min<size_t>(size, 1 << 30)));
      if (n <= 0) return;
      data = static_cast<const char*>(data) + n;
      size -= static_cast<size_t>(n);
    }
  }
  void take_output(std::string* out) override {
    const size_t pending = BIO_ctrl_pending(out_);
    if (pending == 0) return;
    const size_t at = out->size();
    out->resize(at + pending);
    const int n = BIO_read(out_, out->data() + at, static_cast<int>(pending));
    out->resize(at + static_cast<size_t>(n > 0 ? n : 0));
  }
  std::string error() const override { return error_; }

 private:
  Step step(int ret) {
    if (ret == 1) return Step::kDone;
    switch (SSL_get_error(ssl_, ret)) {
      case SSL_ERROR_WANT_READ:
        return Step::kWantInput;
      case SSL_ERROR_ZERO_RETURN:
        return Step::kClosed;
      default: {
        const std::string queued = drain_errors();
        error_ = queued.empty() ? "TLS protocol error" : queued;
        return Step::kFailed;
      }
    }
  }

  SSL* ssl_;
  BIO* in_ = nullptr;
  BIO* out_ = nullptr;
  std::string error_;
};

class OpensslContext final : public TlsServerContext {
 public:
  explicit OpensslContext(SSL_CTX* ctx) : ctx_(ctx) {}
  ~OpensslContext() override { SSL_CTX_free(ctx_); }
  OpensslContext(const OpensslContext&) = delete;
  OpensslContext& operator=(const OpensslContext&) = delete;

  std::unique_ptr<TlsSession> session() override {
    auto session = std::make_unique<OpensslSession>(ctx_);
    if (!session->ok()) return nullptr;
    return session;
  }

 private:
  SSL_CTX* ctx_;
};

class OpensslBackend final : public CryptoBackend {
 public:
  std::unique_ptr<DigestState> digest(DigestKind kind) const override {
    auto state = std::make_unique<EvpDigest>(kind);
    if (!state->ok()) return nullptr;
    return state;
  }

  std::string hmac_sha1(std::string_view key, std::string_view data) const override {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (HMAC(EVP_sha1(), key.data(), static_cast<int>(key.size()),
             reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest,
             &length) == nullptr) {
      return {};
    }
    return std::string(reinterpret_cast<const char*>(digest), length);
  }

  std::unique_ptr<TlsServerContext> tls_server(const std::string& cert_file,
                                               const std::string& key_file,
                                               std::string* error) const override {
    ERR_clear_error();
    SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
    if (ctx == nullptr) {
      *error = "cannot make a TLS context: " + drain_errors();
      return nullptr;
    }
    auto context = std::make_unique<OpensslContext>(ctx);
    // TLS 1.2 and later, OpenSSL's usual workarounds for broken peers.
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_options(ctx, SSL_OP_ALL | SSL_OP_NO_COMPRESSION);
    if (SSL_CTX_use_certificate_chain_file(ctx, cert_file.c_str()) != 1) {
      *error = "cannot load the TLS certificate " + cert_file + ": " + drain_errors();
      return nullptr;
    }
    if (SSL_CTX_use_PrivateKey_file(ctx, key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
      *error = "cannot load the TLS key " + key_file + ": " + drain_errors();
      return nullptr;
    }
    return context;
  }
};

}  // namespace

}  // namespace ochopod::detail

extern "C" __attribute__((visibility("default"))) const ochopod::detail::CryptoBackend*
ochopod_crypto_backend_v1(const ochopod::ModuleAbi* abi) {
  static const ochopod::detail::OpensslBackend backend;
  return ochopod::same_build(abi, ochopod::detail::crypto_backend_abi()) ? &backend : nullptr;
}
