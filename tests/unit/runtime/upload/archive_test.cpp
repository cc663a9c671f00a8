// Gzipped ustar archives (ochopod/archive.h) with their caps, and upload
// signatures (ochopod/upload_signature.h): in memory and a temp dir only.
#include "ochopod/archive.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "harness/files.h"
#include "harness/temp_dir.h"
#include "ochopod/upload_signature.h"

namespace ochopod::test {
namespace {

namespace fs = std::filesystem;

TEST(Archive, PacksAndUnpacksFilesDirectoriesAndTheExecutableBit) {
  TempDir from, to;
  fs::create_directories(from.path() / "conf" / "empty");
  write_text(from.file("deploy.sh"), "echo hi\n");
  fs::permissions(from.file("deploy.sh"), fs::perms::owner_exec, fs::perm_options::add);
  write_text(from.file("conf/app.yml"), std::string(3000, 'y'));
  // Over ustar's 100 bytes of name: the prefix field holds the folders.
  const std::string deep = std::string(60, 'a') + "/" + std::string(60, 'b') + "/file.txt";
  fs::create_directories((from.path() / deep).parent_path());
  write_text(from.file(deep), "deep\n");

  unpack_tgz(pack_tgz(from.path()), to.path());
  EXPECT_EQ(read_text(to.file("deploy.sh")), "echo hi\n");
  EXPECT_EQ(read_text(to.file("conf/app.yml")), std::string(3000, 'y'));
  EXPECT_EQ(read_text(to.file(deep)), "deep\n");
  EXPECT_TRUE(fs::is_directory(to.path() / "conf" / "empty"));
  EXPECT_NE(fs::status(to.file("deploy.sh")).permissions() & fs::perms::owner_exec,
            fs::perms::none);
  EXPECT_EQ(fs::status(to.file("conf/app.yml")).permissions() & fs::perms::owner_exec,
            fs::perms::none);
}

TEST(Archive, CapsAreEnforcedWhileUnpacking) {
  TempDir from;
  write_text(from.file("big"), std::string(2 << 20, '\0'));  // compresses to almost nothing
  const std::string tgz = pack_tgz(from.path());
  ASSERT_LT(tgz.size(), 64u * 1024);
  TempDir to;
  try {
    unpack_tgz(tgz, to.path(), {.max_total = 1 << 20});
    FAIL() << "a 2 MiB file unpacked under a 1 MiB cap";
  } catch (const ArchiveError& e) {
    EXPECT_TRUE(e.too_large()) << e.what();
  }
  try {
    unpack_tgz(tgz, to.path(), {.max_file = 1 << 20});
    FAIL() << "a 2 MiB file unpacked under a 1 MiB per-file cap";
  } catch (const ArchiveError& e) {
    EXPECT_TRUE(e.too_large()) << e.what();
  }
  TempDir many;
  for (int i = 0; i < 5; ++i) write_text(many.file("f" + std::to_string(i)), "x");
  EXPECT_THROW(unpack_tgz(pack_tgz(many.path()), to.path(), {.max_entries = 3}), ArchiveError);
}

TEST(Archive, WhatIsNotATgzIsRefused) {
  TempDir to;
  for (const std::string& junk : {std::string(), std::string("hello"), std::string(4096, 'z')}) {
    try {
      unpack_tgz(junk, to.path());
      FAIL() << "unpacked junk of " << junk.size() << " bytes";
    } catch (const ArchiveError& e) {
      EXPECT_FALSE(e.too_large()) << e.what();
    }
  }
}

TEST(Archive, SymlinksAreNotPacked) {
  TempDir from;
  fs::create_symlink("/etc/passwd", from.path() / "passwd");
  EXPECT_THROW(pack_tgz(from.path()), ArchiveError);
}

TEST(UploadSignature, IsHmacSha1AndComparedWhole) {
  const std::string data = "The quick brown fox jumps over the lazy dog";
  EXPECT_EQ(sign_upload("key", data), "sha1=de7c9b85b8b78aa6bc8a7a36f70a90701c9db4d9");
  EXPECT_TRUE(
      upload_signature_matches("sha1=DE7C9B85B8B78AA6BC8A7A36F70A90701C9DB4D9", "key", data));
  EXPECT_FALSE(
      upload_signature_matches("sha1=de7c9b85b8b78aa6bc8a7a36f70a90701c9db4d", "key", data));
  EXPECT_FALSE(upload_signature_matches("de7c9b85b8b78aa6bc8a7a36f70a90701c9db4d9", "key", data));
  EXPECT_FALSE(upload_signature_matches("", "key", data));
  EXPECT_FALSE(upload_signature_matches(sign_upload("other", data), "key", data));
}

}  // namespace
}  // namespace ochopod::test
