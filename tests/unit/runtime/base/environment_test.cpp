#include "runtime/base/environment.h"

#include <gtest/gtest.h>

#include <array>

namespace ochopod {
namespace {

TEST(Environment, FirstDefinitionWinsAndEntriesWithoutEqualsAreSkipped) {
  std::array<char*, 6> envp{const_cast<char*>("A=1"),    const_cast<char*>("B=x=y"),
                            const_cast<char*>("A=2"),    const_cast<char*>("junk"),
                            const_cast<char*>("EMPTY="), nullptr};
  const Environment env = read_environment(envp.data());
  EXPECT_EQ(env, (Environment{{"A", "1"}, {"B", "x=y"}, {"EMPTY", ""}}));
  EXPECT_TRUE(read_environment(nullptr).empty());
}

}  // namespace
}  // namespace ochopod
