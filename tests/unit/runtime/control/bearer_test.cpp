#include "runtime/control/bearer.h"

#include <gtest/gtest.h>

namespace ochopod {
namespace {

TEST(Bearer, OnlyTheWholeTokenAfterTheSchemeMatches) {
  EXPECT_TRUE(bearer_matches("Bearer s3cr3t", "s3cr3t"));
  EXPECT_TRUE(bearer_matches("bearer s3cr3t", "s3cr3t"));
  EXPECT_FALSE(bearer_matches("Bearer s3cr3", "s3cr3t")) << "a prefix";
  EXPECT_FALSE(bearer_matches("Bearer s3cr3tX", "s3cr3t")) << "an extension";
  EXPECT_FALSE(bearer_matches("Bearer S3CR3T", "s3cr3t")) << "the token is case-sensitive";
  EXPECT_FALSE(bearer_matches("s3cr3t", "s3cr3t")) << "no scheme";
  EXPECT_FALSE(bearer_matches("Basic s3cr3t", "s3cr3t"));
  EXPECT_FALSE(bearer_matches("Bearer", "s3cr3t"));
  EXPECT_FALSE(bearer_matches("", "s3cr3t"));
}

TEST(Bearer, AnEmptyTokenMatchesNothing) {
  EXPECT_FALSE(bearer_matches("Bearer ", ""));
  EXPECT_FALSE(bearer_matches("", ""));
}

}  // namespace
}  // namespace ochopod
