// RecycledFile (models/templates/recycled_file.h): each version replaces the
// file whole, a version nobody holds is written over by the one after next
// (no new pages), and a version a reader holds open or mapped never changes
// under it. Run in a directory of the test's own (ext4 under /tmp) and in
// memory (/dev/shm, where OCHOPOD_CLUSTER lives by default).
#include "models/templates/recycled_file.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>
#include <thread>

#include "harness/files.h"

namespace ochopod {
namespace {

ino_t inode_of(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::lstat(path.c_str(), &st), 0) << path;
  return st.st_ino;
}

std::string read_all(int fd) {
  std::string text;
  char buf[4096];
  for (off_t at = 0;;) {
    const ssize_t n = ::pread(fd, buf, sizeof buf, at);
    if (n <= 0) return text;
    text.append(buf, static_cast<size_t>(n));
    at += n;
  }
}

// A directory of the test's own under the parameter's file system.
class RecycledFileIn : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    std::string pattern = std::string(GetParam()) + "/ochopod-recycled-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) GTEST_SKIP() << "cannot create " << pattern;
    dir_ = pattern;
    path_ = dir_ + "/cluster.json";
  }
  void TearDown() override {
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }
  std::string in_dir(const std::string& name) const { return dir_ + "/" + name; }
  std::string dir_;
  std::string path_;
};

TEST_P(RecycledFileIn, AVersionNobodyHoldsIsWrittenOverByTheOneAfterNext) {
  detail::RecycledFile file(path_, 0644);
  file.write({"first, ", "the longest version"});
  EXPECT_EQ(test::read_text(path_), "first, the longest version");
  const ino_t first = inode_of(path_);
  file.write({"second"});
  EXPECT_EQ(test::read_text(path_), "second");
  const ino_t second = inode_of(path_);
  EXPECT_NE(second, first) << "a version replaced in place: a reader could see half of it";
  EXPECT_EQ(test::read_text(file.spare()), "first, the longest version");
  file.write({"third"});
  EXPECT_EQ(test::read_text(path_), "third") << "the longer old text was not cut";
  EXPECT_EQ(inode_of(path_), first) << "the first version's file was not recycled";
  EXPECT_EQ(inode_of(file.spare()), second);
  struct stat st {};
  ASSERT_EQ(::stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0644u);
  EXPECT_EQ(st.st_nlink, 1u);
}

// A reader that opened a version, or mapped it and closed it, keeps it
// whole however many versions follow.
TEST_P(RecycledFileIn, AVersionAReaderHoldsOpenOrMappedNeverChanges) {
  detail::RecycledFile file(path_, 0644);
  file.write({"version one"});
  const int held = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(held, 0);
  for (const char* text : {"version two", "version three!", "version four", "v5"}) {
    file.write({text});
    EXPECT_EQ(test::read_text(path_), text);
    EXPECT_EQ(read_all(held), "version one") << "written over while a reader held it";
  }
  ::close(held);

  const int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  void* map = ::mmap(nullptr, 2, PROT_READ, MAP_SHARED, fd, 0);
  ASSERT_NE(map, MAP_FAILED);
  ::close(fd);
  for (const char* text : {"x6", "x7", "x8"}) file.write({text});
  EXPECT_EQ(std::string(static_cast<const char*>(map), 2), "v5")
      << "written over while a reader had it mapped";
  ::munmap(map, 2);
}

// A reader opening the path while versions follow each other as fast as
// they can always reads one whole version: every version is one repeated
// letter, its length recorded in its last line.
TEST_P(RecycledFileIn, AReaderAlwaysReadsOneWholeVersion) {
  detail::RecycledFile file(path_, 0644);
  const auto version = [](int i) {
    const std::string body(static_cast<size_t>(1000 + (i * 7919) % 20000),
                           static_cast<char>('a' + i % 26));
    return body + "\n" + std::to_string(body.size());
  };
  file.write({version(0)});
  std::atomic<bool> done{false};
  std::string torn;
  int reads = 0;
  std::thread reader([&] {
    while (!done.load() && torn.empty()) {
      const int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) {
        torn = "the path was missing for a moment";
        break;
      }
      const std::string text = read_all(fd);
      ::close(fd);
      ++reads;
      const auto newline = text.rfind('\n');
      const bool whole = newline != std::string::npos && newline > 0 &&
                         std::to_string(newline) == text.substr(newline + 1) &&
                         text.find_first_not_of(text[0]) == newline;
      if (!whole) torn = text.substr(0, 80) + "... (" + std::to_string(text.size()) + " bytes)";
    }
  });
  for (int i = 1; i < 3000 && torn.empty(); ++i) file.write({version(i)});
  done = true;
  reader.join();
  EXPECT_EQ(torn, "") << "a reader saw no whole version";
  EXPECT_GT(reads, 0);
}

// What a child or anyone put at the spare's name is never followed nor
// written through: a link to another file, a FIFO.
TEST_P(RecycledFileIn, WhatIsPutAtTheSparesNameIsReplacedNotWrittenThrough) {
  detail::RecycledFile file(path_, 0644);
  file.write({"one"});
  file.write({"two"});
  const std::string victim = in_dir("victim");
  test::write_text(victim, "untouched");
  std::filesystem::remove(file.spare());
  std::filesystem::create_symlink(victim, file.spare());
  file.write({"three"});
  EXPECT_EQ(test::read_text(victim), "untouched");
  EXPECT_EQ(test::read_text(path_), "three");

  std::filesystem::remove(file.spare());
  ASSERT_EQ(::mkfifo(file.spare().c_str(), 0600), 0);
  file.write({"four"});
  EXPECT_EQ(test::read_text(path_), "four");

  // A second name linking the spare (someone's hard link) is left alone.
  std::filesystem::remove(victim);
  std::filesystem::create_hard_link(file.spare(), victim);
  const std::string before = test::read_text(victim);
  file.write({"five"});
  EXPECT_EQ(test::read_text(victim), before);
  EXPECT_EQ(test::read_text(path_), "five");
}

// Whether nobody holds the spare is asked with a write lease, held for an
// instant; an open of the spare's name in that instant breaks it, and the
// kernel tells the lease's holder with a signal: SIGIO by default, which
// would end the pod. Opens of that name by another thread, thousands of
// times while versions follow each other, must cost nothing.
TEST_P(RecycledFileIn, AnOpenOfTheSpareWhileItsLeaseIsAskedForCostsNothing) {
  detail::RecycledFile file(path_, 0644);
  file.write({"one"});
  std::atomic<bool> done{false};
  std::atomic<int> opens{0};
  std::thread opener([&] {
    while (!done.load()) {
      const int fd = ::open(file.spare().c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
      if (fd >= 0) {
        ++opens;
        ::close(fd);
      }
    }
  });
  int i = 0;
  for (; i < 20000 && opens.load() < 20000; ++i) file.write({"version " + std::to_string(i)});
  done = true;
  opener.join();
  EXPECT_EQ(test::read_text(path_), "version " + std::to_string(i - 1));
  EXPECT_GT(opens.load(), 0) << "the spare was never opened: nothing was tried";
}

TEST_P(RecycledFileIn, TheSpareGoesWithTheFile) {
  std::string spare;
  {
    detail::RecycledFile file(path_, 0644);
    file.write({"one"});
    file.write({"two"});
    spare = file.spare();
    EXPECT_TRUE(std::filesystem::exists(spare));
    EXPECT_EQ(std::filesystem::path(spare).filename(), ".cluster.json.spare");
  }
  EXPECT_FALSE(std::filesystem::exists(spare));
  EXPECT_EQ(test::read_text(path_), "two");
}

INSTANTIATE_TEST_SUITE_P(Disk, RecycledFileIn, ::testing::Values("/tmp"));
INSTANTIATE_TEST_SUITE_P(Memory, RecycledFileIn, ::testing::Values("/dev/shm"));

}  // namespace
}  // namespace ochopod
