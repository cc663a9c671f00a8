// RecycledText: a body's buffer comes back for the next body once its last
// holder is gone, never while one still reads it.
#include "runtime/control/body/recycled_text.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>

namespace ochopod {
namespace {

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
