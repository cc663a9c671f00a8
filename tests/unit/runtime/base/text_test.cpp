#include "runtime/base/text.h"

#include <gtest/gtest.h>

#include <array>
#include <string>
#include <string_view>
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

TEST(Text, TrimTakesTheCLocalesSpacesByDefault) {
  EXPECT_EQ(trim(" \t\n\v\f\r a b \r\n\t "), "a b");
  EXPECT_EQ(trim(" \t\r\n"), "");
  EXPECT_EQ(trim(""), "");
  EXPECT_EQ(trim("x"), "x");
  EXPECT_EQ(trim("\xC2\xA0x\xC2\xA0"), "\xC2\xA0x\xC2\xA0") << "no byte outside ASCII";
}

TEST(Text, TrimTakesOnlyTheBytesItIsGiven) {
  EXPECT_EQ(trim(" \tname\t ", " \t"), "name");
  EXPECT_EQ(trim("\r\n name \n", " \t"), "\r\n name \n") << "HTTP's whitespace has no line end";
  EXPECT_EQ(trim(" zk://h:1/m \r", " \r\n"), "zk://h:1/m");
  EXPECT_EQ(trim("\tzk\t", " \r\n"), "\tzk\t");
  const std::string text = "  kept  ";
  EXPECT_EQ(trim(text).data(), text.data() + 2) << "a view into the text, not a copy";
}

TEST(Text, ChompTakesOnlyTrailingLineEnds) {
  EXPECT_EQ(chomp("line\r\n\n"), "line");
  EXPECT_EQ(chomp("\n line \n"), "\n line ");
  EXPECT_EQ(chomp("\r\n"), "");
  EXPECT_EQ(chomp("tab\t"), "tab\t");
}

TEST(Text, OneOfListsTheWordsAsASentenceSaysThem) {
  const std::array<std::string_view, 4> four = {"marathon", "kubernetes", "local", "solo"};
  EXPECT_EQ(one_of(four), "marathon, kubernetes, local or solo");
  const std::array<std::string_view, 2> two = {"text", "json"};
  EXPECT_EQ(one_of(two), "text or json");
  const std::array<std::string_view, 1> one = {"only"};
  EXPECT_EQ(one_of(one), "only");
  EXPECT_EQ(one_of({}), "");
}

}  // namespace
}  // namespace ochopod
