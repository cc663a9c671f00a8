// Random ids: their shape, and that they do not repeat.
#include "runtime/base/ids.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <string>

namespace ochopod {
namespace {

TEST(Ids, HexHasTheDigitsAskedFor) {
  EXPECT_EQ(random_hex(0), "");
  const std::string hex = random_hex(16);
  EXPECT_EQ(hex.size(), 16u);
  EXPECT_EQ(hex.find_first_not_of("0123456789abcdef"), std::string::npos) << hex;
}

TEST(Ids, AUuidIsAVersion4UuidInCanonicalLowercase) {
  const std::regex canonical("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  std::set<char> variants;
  for (int i = 0; i < 200; ++i) {
    const std::string uuid = make_uuid4();
    ASSERT_TRUE(std::regex_match(uuid, canonical)) << uuid;
    variants.insert(uuid[19]);
  }
  EXPECT_EQ(variants.size(), 4u) << "the variant digit takes each of 8, 9, a, b";
}

TEST(Ids, DoNotRepeat) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    EXPECT_TRUE(seen.insert(random_hex(16)).second);
    EXPECT_TRUE(seen.insert(make_uuid4()).second);
  }
}

}  // namespace
}  // namespace ochopod
