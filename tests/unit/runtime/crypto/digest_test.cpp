// Digests through the crypto module (runtime/crypto/digest.h): the module is
// found beside the test binary (build/lib/ochopod), as beside a pod's, and
// gives the standard digests; the encodings and the comparison are ours.
#include "runtime/crypto/digest.h"

#include <gtest/gtest.h>

namespace ochopod {
namespace {

std::string hex_digest(DigestKind kind, std::string_view text) {
  std::string error;
  const auto digest = digest_of(kind, text, &error);
  EXPECT_TRUE(digest.has_value()) << error;
  return digest ? to_hex(*digest) : "";
}

TEST(Digest, TheModuleGivesSha1AndSha256) {
  EXPECT_EQ(hex_digest(DigestKind::kSha1, "abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(hex_digest(DigestKind::kSha256, "abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(hex_digest(DigestKind::kSha256, ""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Digest, TheModuleGivesHmacSha1) {
  // RFC 2202, test case 2.
  std::string error;
  const auto mac = hmac_sha1("Jefe", "what do ya want for nothing?", &error);
  ASSERT_TRUE(mac.has_value()) << error;
  EXPECT_EQ(to_hex(*mac), "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
}

TEST(Digest, Base64IsRfc4648sWithPadding) {
  EXPECT_EQ(to_base64(""), "");
  EXPECT_EQ(to_base64("f"), "Zg==");
  EXPECT_EQ(to_base64("fo"), "Zm8=");
  EXPECT_EQ(to_base64("foo"), "Zm9v");
  EXPECT_EQ(to_base64("foob"), "Zm9vYg==");
  EXPECT_EQ(to_base64("fooba"), "Zm9vYmE=");
  EXPECT_EQ(to_base64("foobar"), "Zm9vYmFy");
  EXPECT_EQ(to_base64(std::string("\xff\xfe\x00\x3f", 4)), "//4APw==");
}

TEST(Digest, HexIsLowerCaseWithTheSeparatorBetweenBytes) {
  EXPECT_EQ(to_hex(""), "");
  EXPECT_EQ(to_hex(std::string("\x00\xab\xff", 3)), "00abff");
  EXPECT_EQ(to_hex(std::string("\x00\xab\xff", 3), ":"), "00:ab:ff");
}

TEST(Digest, EqualInConstantTimeComparesEveryByteAndTheSizes) {
  EXPECT_TRUE(equal_in_constant_time("", ""));
  EXPECT_TRUE(equal_in_constant_time("secret", "secret"));
  EXPECT_FALSE(equal_in_constant_time("secret", "secreT"));
  EXPECT_FALSE(equal_in_constant_time("Secret", "secret"));
  EXPECT_FALSE(equal_in_constant_time("secret", "secret!"));
  EXPECT_FALSE(equal_in_constant_time(std::string_view("a\0b", 3), std::string_view("a\0c", 3)));
}

}  // namespace
}  // namespace ochopod
