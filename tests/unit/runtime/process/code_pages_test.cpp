// release_code_pages (runtime/process/code_pages.h): what a boot ran is
// unmapped, the process's own state is not, and code runs on after it,
// on this thread and on one that never stopped.
#include "runtime/process/code_pages.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <thread>

namespace ochopod {
namespace {

// KiB resident in this process's mappings of `path` with protections `perms`.
long resident_kib(const std::string& path, const std::string& perms) {
  std::ifstream smaps("/proc/self/smaps");
  long kib = 0;
  bool counting = false;
  for (std::string line; std::getline(smaps, line);) {
    std::istringstream in(line);
    std::string first, second;
    in >> first >> second;
    if (first.find('-') != std::string::npos && first.back() != ':') {
      std::string offset, device, inode, name;
      in >> offset >> device >> inode >> name;
      counting = second == perms && name == path;
    } else if (counting && first == "Rss:") {
      kib += std::stol(second);
    }
  }
  return kib;
}

// Relocated data: a table of pointers to functions and to text, filled in by
// the loader (RELRO or data), which must survive the release.
int twice(int x) { return 2 * x; }
int thrice(int x) { return 3 * x; }
const std::map<std::string, int (*)(int)>& table() {
  static const std::map<std::string, int (*)(int)> t{{"two", &twice}, {"three", &thrice}};
  return t;
}
struct Shape {
  virtual ~Shape() = default;
  virtual int sides() const = 0;
};
struct Square : Shape {
  int sides() const override { return 4; }
};

TEST(ReleaseCodePages, UnmapsTheBinarysCodeAndKeepsItsState) {
  const std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
  static int counter = 41;  // data written before the release
  ++counter;
  const long before = resident_kib(self, "r-xp");
  ASSERT_GT(before, 0) << "no resident code found for " << self;

  const ReleasedCode released = release_code_pages();
  const long after = resident_kib(self, "r-xp");

  EXPECT_GT(released.bytes, 0u);
  EXPECT_GE(released.objects, 2) << "the binary and at least libc";
  EXPECT_EQ(released.refused, 0);
  EXPECT_LT(after, before) << "the binary's code stayed mapped: " << before << " KiB before, "
                           << after << " KiB after";
  EXPECT_EQ(counter, 42);
  EXPECT_EQ(table().at("two")(21), 42);
  EXPECT_EQ(table().at("three")(14), 42);
  std::unique_ptr<Shape> shape = std::make_unique<Square>();
  EXPECT_EQ(shape->sides(), 4);
  EXPECT_EQ(std::to_string(42), "42");
}

TEST(ReleaseCodePages, AThreadRunningMeanwhileRunsOn) {
  std::atomic<bool> stop{false};
  std::atomic<long> rounds{0};
  std::atomic<bool> wrong{false};
  std::thread worker([&] {
    while (!stop.load()) {
      std::ostringstream out;
      out << rounds.load() * 3;
      if (std::stol(out.str()) != rounds.load() * 3) wrong = true;
      ++rounds;
    }
  });
  while (rounds.load() < 1000) std::this_thread::yield();
  for (int i = 0; i < 20; ++i) release_code_pages();
  const long at_release = rounds.load();
  while (rounds.load() < at_release + 1000) std::this_thread::yield();
  stop = true;
  worker.join();
  EXPECT_FALSE(wrong.load());
}

}  // namespace
}  // namespace ochopod
