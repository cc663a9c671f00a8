#include "ochopod/secret.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace ochopod {
namespace {

std::filesystem::path write_file(const std::string& name, const std::string& content) {
  const auto path = std::filesystem::path(::testing::TempDir()) / name;
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

TEST(Secret, AFileLosesItsSurroundingWhitespaceOnly) {
  std::string secret, error;
  ASSERT_TRUE(read_secret_file(write_file("s1", "  to ken\n"), &secret, &error)) << error;
  EXPECT_EQ(secret, "to ken");
}

TEST(Secret, AnEmptyOrBlankFileIsAnErrorThatNamesThePath) {
  std::string secret, error;
  const auto path = write_file("s2", " \n\t\n");
  EXPECT_FALSE(read_secret_file(path, &secret, &error));
  EXPECT_NE(error.find(path.string()), std::string::npos) << error;
  EXPECT_TRUE(secret.empty());
}

TEST(Secret, AMissingFileIsAnErrorThatNamesThePath) {
  std::string secret, error;
  EXPECT_FALSE(read_secret_file("/nonexistent/token", &secret, &error));
  EXPECT_NE(error.find("/nonexistent/token"), std::string::npos) << error;
}

TEST(Secret, AnErrorNeverCarriesTheSecret) {
  std::string secret, error;
  EXPECT_FALSE(trim_secret("   ", "ochopod_token", &secret, &error));
  EXPECT_EQ(error, "ochopod_token is empty");
  ASSERT_TRUE(trim_secret("\tabc \n", "ochopod_token", &secret, &error));
  EXPECT_EQ(secret, "abc");
}

}  // namespace
}  // namespace ochopod
