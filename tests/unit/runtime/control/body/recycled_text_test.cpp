// RecycledText: a body's buffer comes back for the next body once its last
// holder is gone, never while one still reads it.
#include "runtime/control/body/recycled_text.h"

#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

namespace ochopod {
namespace {

long thread_minor_faults() {
  rusage usage{};
  ::getrusage(RUSAGE_THREAD, &usage);
  return usage.ru_minflt;
}

// Whether this kernel prefaults on request (MADV_POPULATE_WRITE, Linux 5.14).
bool kernel_populates() {
  const size_t size = 1 << 16;
  void* probe = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (probe == MAP_FAILED) return false;
  const bool ok = ::madvise(probe, size, MADV_POPULATE_WRITE) == 0;
  ::munmap(probe, size);
  return ok;
}

// Why a test cannot count the faults of writing a body here, or null.
const char* faults_not_countable() {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  return "a sanitizer's shadow memory faults as the body is written";
#endif
  if (!kernel_populates()) return "this kernel has no MADV_POPULATE_WRITE";
  return nullptr;
}

TEST(RecycledText, ABuffersLastHolderGivesItBackForTheNextBody) {
  RecycledText texts;
  std::string first = texts.take(100000);
  EXPECT_GE(first.capacity(), 100000u);
  first.assign(90000, 'a');
  const char* buffer = first.data();
  auto shared = texts.share(std::move(first));
  auto copy = shared;
  shared.reset();
  EXPECT_NE(texts.take(100).data(), buffer) << "a buffer still held was handed out";
  // The last holder lets go on another thread, as the lifecycle thread does.
  std::thread([held = std::move(copy)]() mutable { held.reset(); }).join();
  const std::string next = texts.take(95000);
  EXPECT_EQ(next.data(), buffer) << "the buffer did not come back";
  EXPECT_TRUE(next.empty());
}

TEST(RecycledText, ASpareTooSmallIsNotHandedOut) {
  RecycledText texts;
  std::string small(1000, 'x');
  texts.share(std::move(small)).reset();
  const std::string big = texts.take(500000);
  EXPECT_GE(big.capacity(), 500000u);
  EXPECT_TRUE(big.empty());
}

// A round's diff is read before the body it gives: a body far smaller than
// the spare does not take it, so the large body after it finds it.
TEST(RecycledText, ASmallBodyLeavesTheLargeSpareForALargeOne) {
  RecycledText texts;
  std::string large = texts.take(100000);
  large.assign(90000, 'a');
  const char* buffer = large.data();
  texts.share(std::move(large)).reset();
  const std::string diff = texts.take(10000);
  EXPECT_NE(diff.data(), buffer) << "a body a tenth of the spare's size took it";
  const std::string body = texts.take(95000);
  EXPECT_EQ(body.data(), buffer) << "the large body found no spare";
}

// Readied for a cluster that shrank, the spare of its old size is let go.
TEST(RecycledText, ReadyingForASmallBodyLetsALargeSpareGo) {
  RecycledText texts;
  std::string large = texts.take(1000000);
  large.assign(900000, 'a');
  texts.share(std::move(large)).reset();
  ASSERT_GE(texts.spare_room(), 1000000u);
  texts.ready(10000);
  EXPECT_GE(texts.spare_room(), 10000u);
  EXPECT_LE(texts.spare_room(), 40000u) << "the large spare was kept";
}

// A body written into a buffer take() had to allocate, or into the spare
// ready() prepared, does not fault its pages one by one as it is written:
// they were populated in one call (a fault is a trap costing 13 to 18 us
// on the virtual machines of bench/README.md). 8 MiB: more than any buffer
// freed before, so it is fresh memory from the kernel.
TEST(RecycledText, FreshBuffersArePopulatedBeforeTheBodyIsWritten) {
  if (const char* why = faults_not_countable()) GTEST_SKIP() << why;
  const size_t size = size_t{8} << 20;
  const long pages = static_cast<long>(size / 4096);
  RecycledText texts;
  std::string body = texts.take(size);
  long before = thread_minor_faults();
  body.resize(size, 'x');
  EXPECT_LT(thread_minor_faults() - before, pages / 16) << "of " << pages << " pages";

  RecycledText other;
  other.ready(size + size / 8);
  std::string next = other.take(size + size / 8);
  before = thread_minor_faults();
  next.resize(size + size / 8, 'y');
  EXPECT_LT(thread_minor_faults() - before, pages / 16) << "the spare readied";
}

// A new buffer has room for bodies that grow to twice its size, so a
// cluster growing pod by pod does not take fresh memory every few rounds; that room
// is reserved, not populated: it costs nothing until a body grows into it.
// 40 MiB: past glibc's largest mmap threshold, so the buffer is fresh pages
// whatever earlier tests freed.
TEST(RecycledText, ANewBuffersRoomForGrowthIsReservedNotPopulated) {
  const size_t size = size_t{40} << 20;
  RecycledText texts;
  std::string body = texts.take(size);
  ASSERT_GE(body.capacity(), 2 * size);
  const char* buffer = body.data();
  body.assign(size, 'x');
  texts.share(std::move(body)).reset();
  // The pages past the body, spare again, are not resident (mincore; a
  // transparent huge page may straddle the end, hence a quarter).
  const auto page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
  const uintptr_t begin = (reinterpret_cast<uintptr_t>(buffer) + size + page - 1) / page * page;
  const uintptr_t end = (reinterpret_cast<uintptr_t>(buffer) + 2 * size) / page * page;
  std::vector<unsigned char> resident((end - begin) / page);
  ASSERT_EQ(::mincore(reinterpret_cast<void*>(begin), end - begin, resident.data()), 0);
  const auto in = std::count_if(resident.begin(), resident.end(), [](auto r) { return r & 1; });
  EXPECT_LT(in, static_cast<long>(resident.size() / 4))
      << "of " << resident.size() << " pages of room, resident before any body grew into them";
  const std::string grown = texts.take(size + size / 2);
  EXPECT_EQ(grown.data(), buffer) << "a body half as large again needed a new buffer";
}

// A body larger than the last its recycled buffer held (a deploy's
// arrivals: a few pods more every round) finds the pages it grows into
// populated too, not faulted a few at a time in every round. 40 MiB: fresh
// pages from the kernel, as above.
TEST(RecycledText, ARecycledBuffersPagesABodyGrowsIntoArePopulated) {
  if (const char* why = faults_not_countable()) GTEST_SKIP() << why;
  const size_t size = size_t{40} << 20;
  RecycledText texts;
  std::string body = texts.take(size);
  const char* buffer = body.data();
  body.assign(size, 'x');
  texts.share(std::move(body)).reset();
  std::string grown = texts.take(size + size / 2);
  ASSERT_EQ(grown.data(), buffer) << "the buffer did not come back";
  const long pages = static_cast<long>(size / 2 / 4096);
  const long before = thread_minor_faults();
  grown.resize(size + size / 2, 'y');
  EXPECT_LT(thread_minor_faults() - before, pages / 16)
      << "of the " << pages << " pages the body grew into";
}

TEST(RecycledText, TextsOutliveTheirRecycler) {
  std::shared_ptr<const std::string> text;
  {
    RecycledText texts;
    text = texts.share(std::string(5000, 'y'));
  }
  EXPECT_EQ(text->size(), 5000u);
  text.reset();  // nowhere to give it back: freed, no crash under ASan
}

}  // namespace
}  // namespace ochopod
