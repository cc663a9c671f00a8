// openssl enc -aes-256-cbc -pbkdf2 decryption: see decrypt.h.
#include "decrypt.h"

#include <openssl/evp.h>

#include <fstream>
#include <memory>
#include <vector>

namespace servo {
namespace {

namespace fs = std::filesystem;

constexpr char kMagic[] = "Salted__";
constexpr size_t kMagicSize = 8, kSaltSize = 8, kKeySize = 32, kIvSize = 16;
constexpr int kIterations = 10000;

}  // namespace

std::optional<std::string> decrypt_openssl_enc(const std::string& data,
                                               const std::string& password) {
  if (data.size() < kMagicSize + kSaltSize || data.compare(0, kMagicSize, kMagic) != 0) {
    return std::nullopt;
  }
  const auto* salt = reinterpret_cast<const unsigned char*>(data.data() + kMagicSize);
  unsigned char key_iv[kKeySize + kIvSize];
  if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()), salt, kSaltSize,
                        kIterations, EVP_sha256(), sizeof key_iv, key_iv) != 1) {
    return std::nullopt;
  }
  std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)> ctx(EVP_CIPHER_CTX_new(),
                                                                      &EVP_CIPHER_CTX_free);
  if (!ctx ||
      EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_cbc(), nullptr, key_iv, key_iv + kKeySize) != 1) {
    return std::nullopt;
  }
  const size_t offset = kMagicSize + kSaltSize;
  const size_t size = data.size() - offset;
  std::string out(size + EVP_MAX_BLOCK_LENGTH, '\0');
  int n = 0, last = 0;
  auto* clear = reinterpret_cast<unsigned char*>(out.data());
  if (EVP_DecryptUpdate(ctx.get(), clear, &n,
                        reinterpret_cast<const unsigned char*>(data.data() + offset),
                        static_cast<int>(size)) != 1 ||
      EVP_DecryptFinal_ex(ctx.get(), clear + n, &last) != 1) {
    return std::nullopt;
  }
  out.resize(static_cast<size_t>(n + last));
  return out;
}

std::optional<std::string> decrypt_tree(const fs::path& dir, const std::string& password) {
  std::vector<fs::path> encrypted;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file() && !entry.is_symlink() && entry.path().extension() == ".aes") {
      encrypted.push_back(entry.path());
    }
  }
  for (const auto& path : encrypted) {
    const std::string name = fs::relative(path, dir).generic_string();
    std::ifstream in(path, std::ios::binary);
    const std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto clear = decrypt_openssl_enc(data, password);
    if (!clear) return name;
    fs::path target = path;
    target.replace_extension();
    const auto perms = fs::status(path).permissions();
    {
      std::ofstream out(target, std::ios::binary | std::ios::trunc);
      out << *clear;
      if (!out.good()) return name;
    }
    fs::permissions(target, perms);
    fs::remove(path);
  }
  return std::nullopt;
}

}  // namespace servo
