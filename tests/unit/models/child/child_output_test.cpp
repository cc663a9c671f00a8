// The child's output cut into lines that never split a UTF-8 character
// (models/child/child_output.h; the cutting rule is runtime's utf8_cut).
#include "models/child/child_output.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace ochopod {
namespace {

const std::string kE = "\xC3\xA9";         // 2 bytes
const std::string kEuro = "\xE2\x82\xAC";  // 3 bytes

TEST(LineSplitter, LongLinesAreCutOnCharacterBoundaries) {
  std::vector<std::string> lines;
  detail::LineSplitter splitter([&](std::string_view l) { lines.emplace_back(l); }, 7);
  std::string input = "x";
  for (int i = 0; i < 6; ++i) input += kE;  // 13 bytes, no newline yet
  input += "\r\nnext";
  splitter.feed(input.data(), input.size());
  splitter.flush();
  std::string joined;
  for (size_t i = 0; i + 1 < lines.size(); ++i) {
    EXPECT_LE(lines[i].size(), 7u);
    EXPECT_FALSE(
        nlohmann::json::parse(nlohmann::json(lines[i]).dump(), nullptr, false).is_discarded())
        << "piece " << i << " split a character";
    joined += lines[i];
  }
  ASSERT_GE(lines.size(), 3u);
  EXPECT_EQ(joined, input.substr(0, 13)) << "nothing lost, the \\r dropped";
  EXPECT_EQ(lines.back(), "next");
}

TEST(LineSplitter, BytesArrivingOneAtATime) {
  std::vector<std::string> lines;
  detail::LineSplitter splitter([&](std::string_view l) { lines.emplace_back(l); }, 4);
  const std::string input = kEuro + kEuro + "\n";
  for (char c : input) splitter.feed(&c, 1);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0], kEuro);
  EXPECT_EQ(lines[1], kEuro);
}

}  // namespace
}  // namespace ochopod
