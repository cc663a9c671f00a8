// The servo example's pure pieces (examples/servo): the .tgz reader and
// writer with their caps, the upload signature, *.aes decryption, the token
// file. No process, no network: label unit (the Servo suite runs the pod).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "harness/files.h"
#include "harness/temp_dir.h"
#include "servo/decrypt.h"
#include "servo/signature.h"
#include "servo/tgz.h"
#include "servo/token.h"

namespace ochopod::test {
namespace {

namespace fs = std::filesystem;

TEST(ServoArchive, PacksAndUnpacksFilesDirectoriesAndTheExecutableBit) {
  TempDir from, to;
  fs::create_directories(from.path() / "conf" / "empty");
  write_text(from.file("deploy.sh"), "echo hi\n");
  fs::permissions(from.file("deploy.sh"), fs::perms::owner_exec, fs::perm_options::add);
  write_text(from.file("conf/app.yml"), std::string(3000, 'y'));
  // Over ustar's 100 bytes of name: the prefix field holds the folders.
  const std::string deep = std::string(60, 'a') + "/" + std::string(60, 'b') + "/file.txt";
  fs::create_directories((from.path() / deep).parent_path());
  write_text(from.file(deep), "deep\n");

  servo::unpack_tgz(servo::pack_tgz(from.path()), to.path());
  EXPECT_EQ(read_text(to.file("deploy.sh")), "echo hi\n");
  EXPECT_EQ(read_text(to.file("conf/app.yml")), std::string(3000, 'y'));
  EXPECT_EQ(read_text(to.file(deep)), "deep\n");
  EXPECT_TRUE(fs::is_directory(to.path() / "conf" / "empty"));
  EXPECT_NE(fs::status(to.file("deploy.sh")).permissions() & fs::perms::owner_exec,
            fs::perms::none);
  EXPECT_EQ(fs::status(to.file("conf/app.yml")).permissions() & fs::perms::owner_exec,
            fs::perms::none);
}

TEST(ServoArchive, CapsAreEnforcedWhileUnpacking) {
  TempDir from;
  write_text(from.file("big"), std::string(2 << 20, '\0'));  // compresses to almost nothing
  const std::string tgz = servo::pack_tgz(from.path());
  ASSERT_LT(tgz.size(), 64u * 1024);
  TempDir to;
  try {
    servo::unpack_tgz(tgz, to.path(), {.max_total = 1 << 20});
    FAIL() << "a 2 MiB file unpacked under a 1 MiB cap";
  } catch (const servo::ArchiveError& e) {
    EXPECT_TRUE(e.too_large()) << e.what();
  }
  try {
    servo::unpack_tgz(tgz, to.path(), {.max_file = 1 << 20});
    FAIL() << "a 2 MiB file unpacked under a 1 MiB per-file cap";
  } catch (const servo::ArchiveError& e) {
    EXPECT_TRUE(e.too_large()) << e.what();
  }
  TempDir many;
  for (int i = 0; i < 5; ++i) write_text(many.file("f" + std::to_string(i)), "x");
  EXPECT_THROW(servo::unpack_tgz(servo::pack_tgz(many.path()), to.path(), {.max_entries = 3}),
               servo::ArchiveError);
}

TEST(ServoArchive, WhatIsNotATgzIsRefused) {
  TempDir to;
  for (const std::string& junk : {std::string(), std::string("hello"), std::string(4096, 'z')}) {
    try {
      servo::unpack_tgz(junk, to.path());
      FAIL() << "unpacked junk of " << junk.size() << " bytes";
    } catch (const servo::ArchiveError& e) {
      EXPECT_FALSE(e.too_large()) << e.what();
    }
  }
}

TEST(ServoArchive, SymlinksAreNotPacked) {
  TempDir from;
  fs::create_symlink("/etc/passwd", from.path() / "passwd");
  EXPECT_THROW(servo::pack_tgz(from.path()), servo::ArchiveError);
}

TEST(ServoSignature, IsHmacSha1AndComparedWhole) {
  const std::string data = "The quick brown fox jumps over the lazy dog";
  EXPECT_EQ(servo::sign("key", data), "sha1=de7c9b85b8b78aa6bc8a7a36f70a90701c9db4d9");
  EXPECT_TRUE(
      servo::signature_matches("sha1=DE7C9B85B8B78AA6BC8A7A36F70A90701C9DB4D9", "key", data));
  EXPECT_FALSE(
      servo::signature_matches("sha1=de7c9b85b8b78aa6bc8a7a36f70a90701c9db4d", "key", data));
  EXPECT_FALSE(servo::signature_matches("de7c9b85b8b78aa6bc8a7a36f70a90701c9db4d9", "key", data));
  EXPECT_FALSE(servo::signature_matches("", "key", data));
  EXPECT_FALSE(servo::signature_matches(servo::sign("other", data), "key", data));
}

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
