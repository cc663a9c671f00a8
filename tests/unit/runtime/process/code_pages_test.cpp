// release_code_pages (runtime/process/code_pages.h): what a boot ran is
// unmapped, the process's own state is not, and code runs on after it,
// on this thread and on one that never stopped; code another process maps
// too is kept unless the caller says otherwise.
//
// ctest runs these tests as processes of one binary, two at a time, so a
// test of the unmapping itself says ReleaseWhen::kAlways: another test's
// process may map the same code.
#include "runtime/process/code_pages.h"

#include <gtest/gtest.h>
#include <link.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "harness/smaps.h"
#include "runtime/base/unique_fd.h"

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

  const ReleasedCode released = release_code_pages(ReleaseWhen::kAlways);
  const long after = test::mapped_kib(::getpid(), self, "r-xp").resident;

  EXPECT_GT(released.bytes, 0u);
  EXPECT_GE(released.objects, 2) << "the binary and at least libc";
  EXPECT_EQ(released.refused, 0);
  EXPECT_FALSE(released.kept);
  EXPECT_GT(released.program_pages, 0) << "/proc/self/pagemap was not read";
  EXPECT_LE(released.shared_pages, released.program_pages);
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
  for (int i = 0; i < 20; ++i) release_code_pages(ReleaseWhen::kAlways);
  const long at_release = rounds.load();
  while (rounds.load() < at_release + 1000) std::this_thread::yield();
  stop = true;
  worker.join();
  EXPECT_FALSE(wrong.load());
}

// The program's read-only segments, found before a fork: after it the
// child only reads them.
std::vector<std::pair<const volatile char*, std::size_t>> program_code() {
  std::vector<std::pair<const volatile char*, std::size_t>> ranges;
  ::dl_iterate_phdr(
      [](dl_phdr_info* info, std::size_t, void* data) {
        auto& out = *static_cast<std::vector<std::pair<const volatile char*, std::size_t>>*>(data);
        for (int i = 0; i < info->dlpi_phnum; ++i) {
          const ElfW(Phdr)& segment = info->dlpi_phdr[i];
          if (segment.p_type != PT_LOAD || (segment.p_flags & PF_W)) continue;
          out.emplace_back(
              reinterpret_cast<const volatile char*>(info->dlpi_addr + segment.p_vaddr),
              segment.p_memsz);
        }
        return 1;  // the program only
      },
      &ranges);
  return ranges;
}

// Reads a byte of every page: AddressSanitizer would see the bytes between
// its globals, which it keeps for itself.
[[gnu::no_sanitize_address]] unsigned touch_every_page(
    const std::vector<std::pair<const volatile char*, std::size_t>>& ranges, std::uintptr_t page) {
  unsigned sum = 0;
  for (const auto& [at, size] : ranges) {
    const auto begin = reinterpret_cast<std::uintptr_t>(at);
    for (std::uintptr_t p = begin / page * page; p < begin + size; p += page) {
      sum += *reinterpret_cast<const volatile unsigned char*>(p);
    }
  }
  return sum;
}

TEST(ReleaseCodePages, KeepsTheCodeAnotherProcessMapsToo) {
  const auto ranges = program_code();
  ASSERT_FALSE(ranges.empty());
  const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  detail::UniqueFd ready_read(fds[0]), ready_write(fds[1]);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // Maps every page of the program's code here too, then waits to be killed.
    const char done = static_cast<char>(touch_every_page(ranges, page) | 1);
    if (::write(ready_write.get(), &done, 1) != 1) ::_exit(1);
    for (;;) ::pause();
  }
  struct Reap {
    pid_t pid;
    ~Reap() {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
  } reap{child};
  ready_write.reset();
  char done = 0;
  ASSERT_EQ(::read(ready_read.get(), &done, 1), 1)
      << "the child ended before it mapped the program's code";

  const std::string self = test::executable_of(::getpid());
  const long before = test::mapped_kib(::getpid(), self, "r-xp").resident;
  const ReleasedCode kept = release_code_pages();
  const long after = test::mapped_kib(::getpid(), self, "r-xp").resident;
  EXPECT_TRUE(kept.kept) << kept.shared_pages << " of " << kept.program_pages
                         << " pages shared, and the code was released";
  EXPECT_EQ(kept.calls, 0);
  EXPECT_EQ(kept.bytes, 0u);
  EXPECT_GT(kept.program_pages, 0);
  EXPECT_GT(2 * kept.shared_pages, kept.program_pages);
  EXPECT_GE(after, before) << "the program's code was unmapped though another process maps it ("
                           << kept.shared_pages << " of " << kept.program_pages << " pages shared)";

  // Told to, it releases all the same.
  const ReleasedCode released = release_code_pages(ReleaseWhen::kAlways);
  EXPECT_FALSE(released.kept);
  EXPECT_GT(released.calls, 0);
}

}  // namespace
}  // namespace ochopod
