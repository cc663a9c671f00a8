// The servo example's pure pieces (examples/servo): *.aes decryption and the
// token file. No process, no network: label unit (the Servo suite runs the
// pod; the archive and signature it uses are tested with the runtime).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "harness/files.h"
#include "harness/temp_dir.h"
#include "servo/decrypt.h"
#include "servo/token.h"

namespace ochopod::test {
namespace {

namespace fs = std::filesystem;

TEST(ServoDecrypt, RefusesWhatIsNotOpensslEncOutput) {
  EXPECT_FALSE(servo::decrypt_openssl_enc("", "pw"));
  EXPECT_FALSE(servo::decrypt_openssl_enc("plain text, no salt header", "pw"));
  EXPECT_FALSE(
      servo::decrypt_openssl_enc(std::string("Salted__12345678") + std::string(16, 'x'), "pw"))
      << "junk under a salt header fails the padding check";
}

TEST(ServoToken, IsMadeOnceWithMode0600AndShownAsAFingerprint) {
  TempDir dir;
  const std::string path = dir.file("state/token");
  std::string first, again, error;
  ASSERT_TRUE(servo::load_or_create_token(path, &first, &error)) << error;
  EXPECT_EQ(first.size(), 64u);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_TRUE(servo::load_or_create_token(path, &again, &error)) << error;
  EXPECT_EQ(again, first) << "an existing file is read, not replaced";
  // sha256("abc")
  EXPECT_EQ(servo::fingerprint("abc"),
            "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  write_text(dir.file("blank"), "  \n");
  EXPECT_FALSE(servo::load_or_create_token(dir.file("blank"), &again, &error));
  EXPECT_NE(error.find(dir.file("blank")), std::string::npos) << error;
}

}  // namespace
}  // namespace ochopod::test
