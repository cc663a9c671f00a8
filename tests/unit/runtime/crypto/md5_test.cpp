// The snapshot's MD5 (runtime/crypto/md5.h): RFC 1321's test suite, and the
// same digests as OpenSSL's for texts of every length around the block and
// padding boundaries, fed whole and in pieces of every size.
#include "runtime/crypto/md5.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <random>
#include <string>

#include "runtime/crypto/digest.h"

namespace ochopod {
namespace {

std::string md5_hex(std::string_view text) {
  Md5 md5;
  md5.add(text);
  return to_hex(md5.finish());
}

std::string openssl_md5(std::string_view text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EXPECT_EQ(EVP_Digest(text.data(), text.size(), digest, &length, EVP_md5(), nullptr), 1);
  return std::string(reinterpret_cast<const char*>(digest), length);
}

TEST(Md5, GivesTheDigestsOfRfc1321sTestSuite) {
  EXPECT_EQ(md5_hex(""), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(md5_hex("a"), "0cc175b9c0f1b6a831c399e269772661");
  EXPECT_EQ(md5_hex("abc"), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(md5_hex("message digest"), "f96b697d7cb7938d525a2f31aaf161d0");
  EXPECT_EQ(md5_hex("abcdefghijklmnopqrstuvwxyz"), "c3fcd3d76192e4007dfb496cca67e13b");
  EXPECT_EQ(md5_hex("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"),
            "d174ab98d277d9f5a5611c2c9f419d9f");
  EXPECT_EQ(md5_hex("1234567890123456789012345678901234567890123456789012345678901234567890123456"
                    "7890"),
            "57edf4a22be3c955ac49da2e2107b67a");
}

TEST(Md5, AgreesWithOpenSslWholeAndInPieces) {
  std::mt19937 rng(31);
  for (size_t size = 0; size <= 300; ++size) {
    std::string text(size, '\0');
    for (auto& c : text) c = static_cast<char>(rng());
    const std::string expected = openssl_md5(text);
    Md5 whole;
    whole.add(text);
    ASSERT_EQ(whole.finish(), expected) << "whole, " << size << " bytes";
    // Pieces of a random size each, 0 included.
    Md5 pieces;
    for (size_t at = 0; at < size;) {
      const size_t n = std::min<size_t>(size - at, rng() % 70);
      pieces.add(std::string_view(text).substr(at, n));
      at += n;
    }
    ASSERT_EQ(pieces.finish(), expected) << "in pieces, " << size << " bytes";
  }
}

}  // namespace
}  // namespace ochopod
