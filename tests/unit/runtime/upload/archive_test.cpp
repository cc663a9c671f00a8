// Gzipped ustar archives (ochopod/archive.h) with their caps, and upload
// signatures (ochopod/upload_signature.h): in memory and a temp dir only.
#include "ochopod/archive.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

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

// Cut, corrupted or followed by junk: refused for what it is, never as too
// large, whatever part of the gzip stream was hit.
TEST(Archive, ACutOrCorruptGzipIsRefused) {
  TempDir from, to;
  write_text(from.file("data"), std::string(200000, 'd'));
  const std::string tgz = pack_tgz(from.path());
  std::string bad_crc = tgz;
  bad_crc[tgz.size() - 8] ^= 1;  // the trailer's CRC-32, little-endian
  std::string bad_body = tgz;
  bad_body[tgz.size() / 2] ^= 0x55;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"cut in the middle", tgz.substr(0, tgz.size() / 2)},
      {"cut in the header", tgz.substr(0, 5)},
      {"cut in the trailer", tgz.substr(0, tgz.size() - 3)},
      {"a wrong CRC", bad_crc},
      {"a corrupt body", bad_body},
      {"junk after the end", tgz + "junk"},
  };
  for (const auto& [what, bytes] : cases) {
    try {
      unpack_tgz(bytes, to.path());
      FAIL() << "unpacked a gzip with " << what;
    } catch (const ArchiveError& e) {
      EXPECT_FALSE(e.too_large()) << what << ": " << e.what();
      EXPECT_EQ(std::string(e.what()).rfind("not a gzip archive: ", 0), 0u)
          << what << ": " << e.what();
    }
  }
}

// An empty gzip member (what gzip -c writes for an empty file, but for the
// OS byte) before the archive: concatenated members (cat a.gz b.gz) are one
// stream, as gzip reads them.
TEST(Archive, ConcatenatedGzipMembersAreOneStream) {
  TempDir from, to;
  write_text(from.file("a.txt"), "a\n");
  const std::string empty_member(
      "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff\x03\x00"
      "\x00\x00\x00\x00\x00\x00\x00\x00",
      20);
  unpack_tgz(empty_member + pack_tgz(from.path()), to.path());
  EXPECT_EQ(read_text(to.file("a.txt")), "a\n");
  EXPECT_THROW(unpack_tgz(empty_member, to.path()), ArchiveError) << "nothing in it";
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
