// release_code_pages (runtime/process/code_pages.h): what a boot ran is
// unmapped, the process's own state is not, and code runs on after it,
// on this thread and on one that never stopped.
#include "runtime/process/code_pages.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>

#include "harness/smaps.h"

namespace ochopod {
namespace {

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
  const std::string self = test::executable_of(::getpid());
  static int counter = 41;  // data written before the release
  ++counter;
  const long before = test::mapped_kib(::getpid(), self, "r-xp").resident;
  ASSERT_GT(before, 0) << "no resident code found for " << self;

  const ReleasedCode released = release_code_pages();
  const long after = test::mapped_kib(::getpid(), self, "r-xp").resident;

  EXPECT_GT(released.bytes, 0u);
  EXPECT_GE(released.objects, 2) << "the binary and at least libc";
  EXPECT_EQ(released.refused, 0);
  // Every object's adjacent read-only segments (headers, code, constants)
  // go in one call: a call costs more than the pages it unmaps.
  EXPECT_GE(released.calls, released.objects);
  EXPECT_LT(released.calls, released.segments)
      << released.segments << " segments advised one call each";
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
