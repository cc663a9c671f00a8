#include "runtime/base/text.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ochopod {
namespace {

const std::string kE = "\xC3\xA9";              // 2 bytes
const std::string kEuro = "\xE2\x82\xAC";       // 3 bytes
const std::string kEmoji = "\xF0\x9F\x98\x80";  // 4 bytes

TEST(Text, ToJsonReplacesInvalidBytesInsteadOfThrowing) {
  const nlohmann::json j = {{"line", "caf\xff"}, {"\xfe", 1}};
  std::string out;
  ASSERT_NO_THROW(out = to_json(j));
  EXPECT_FALSE(nlohmann::json::parse(out, nullptr, false).is_discarded());
  EXPECT_NE(out.find("caf\xEF\xBF\xBD"), std::string::npos);
  EXPECT_EQ(to_json(nlohmann::json{{"a", 1}}), "{\"a\":1}");
}

TEST(Text, Utf8CutNeverSplitsACharacter) {
  for (const std::string& ch : {kE, kEuro, kEmoji}) {
    std::string text = "ab";
    for (int i = 0; i < 4; ++i) text += ch;
    for (size_t max = 1; max <= text.size(); ++max) {
      const size_t cut = utf8_cut(text, max);
      ASSERT_LE(cut, max);
      ASSERT_GE(cut, 1u);
      const std::string head = text.substr(0, cut);
      EXPECT_FALSE(
          nlohmann::json::parse(nlohmann::json(head).dump(), nullptr, false).is_discarded())
          << "cut at " << cut << " of max " << max;
      EXPECT_GT(cut + ch.size(), max) << "cut no further back than one character";
    }
  }
}

TEST(Text, Utf8CutOnInvalidBytesCutsAtMax) {
  EXPECT_EQ(utf8_cut("\x80\x80\x80\x80\x80", 3), 3u);
  EXPECT_EQ(utf8_cut("\xff\xff\xff\xff", 2), 2u);
  EXPECT_EQ(utf8_cut(kEmoji + "x", 2), 2u) << "a character longer than max still progresses";
  EXPECT_EQ(utf8_cut("abc", 10), 3u);
}

}  // namespace
}  // namespace ochopod
