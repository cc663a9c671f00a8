#include "runtime/base/numbers.h"

#include <gtest/gtest.h>

#include <cstdint>

namespace ochopod {
namespace {

TEST(Numbers, IntegersAreTheWholeTextOrNothing) {
  EXPECT_EQ(parse_integer<int>("42"), 42);
  EXPECT_EQ(parse_integer<int>("-3"), -3);
  EXPECT_EQ(parse_integer<int64_t>("0000000012"), 12);
  EXPECT_EQ(parse_integer<int>("ff", 16), 255);
  for (const char* bad : {"", " 1", "1 ", "+1", "1x", "0x10", "1.5", "99999999999"}) {
    EXPECT_FALSE(parse_integer<int>(bad)) << "'" << bad << "'";
  }
  EXPECT_FALSE(parse_integer<unsigned>("-1"));
}

TEST(Numbers, PortsAreOneTo65535) {
  EXPECT_EQ(parse_port("1"), 1);
  EXPECT_EQ(parse_port("65535"), 65535);
  for (const char* bad : {"0", "65536", "-80", "80a", "", "\xff"}) EXPECT_FALSE(parse_port(bad));
}

TEST(Numbers, DecimalsAreFinite) {
  EXPECT_EQ(parse_decimal("2"), 2.0);
  EXPECT_EQ(parse_decimal("0.25"), 0.25);
  EXPECT_EQ(parse_decimal("-1.5"), -1.5);
  for (const char* bad : {"", "inf", "nan", "1e999", "2s", " 2", "+2", "."}) {
    EXPECT_FALSE(parse_decimal(bad)) << "'" << bad << "'";
  }
}

TEST(Numbers, CDecimalTakesStrtodSyntaxButOnlyWholeFiniteText) {
  EXPECT_EQ(parse_c_decimal("2.5"), 2.5);
  EXPECT_EQ(parse_c_decimal(" \t2"), 2.0);
  EXPECT_EQ(parse_c_decimal("+2"), 2.0);
  EXPECT_EQ(parse_c_decimal("-1.5"), -1.5);
  EXPECT_EQ(parse_c_decimal("0x10"), 16.0);
  EXPECT_EQ(parse_c_decimal("-0X1p1"), -2.0);
  EXPECT_EQ(parse_c_decimal("1e3"), 1000.0);
  for (const char* bad :
       {"", " ", "+", "--1", "+-1", "0x", "0x-1", "2 ", "2s", "inf", "nan", "1e999", "x"}) {
    EXPECT_FALSE(parse_c_decimal(bad)) << "'" << bad << "'";
  }
}

}  // namespace
}  // namespace ochopod
