// The `ochopod` command's dispatch: what it answers before any subcommand.
#include "cli/commands.h"

#include <gtest/gtest.h>

#include <regex>
#include <string>

namespace ochopod::cli {
namespace {

int dispatch_args(std::vector<std::string> args) {
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  return dispatch(static_cast<int>(argv.size()), argv.data());
}

TEST(Commands, VersionPrintsTheVersionAndTheCommitBuilt) {
  testing::internal::CaptureStdout();
  EXPECT_EQ(dispatch_args({"ochopod", "--version"}), 0);
  const std::string out = testing::internal::GetCapturedStdout();
  // A checkout gives 12 hex digits (and -dirty with uncommitted changes); a
  // tree without git says unknown.
  EXPECT_TRUE(std::regex_match(
      out, std::regex(R"(ochopod \d+\.\d+\.\d+ \(commit ([0-9a-f]{12}(-dirty)?|unknown)\)\n)")))
      << out;
}

TEST(Commands, HelpNamesVersion) {
  testing::internal::CaptureStdout();
  EXPECT_EQ(dispatch_args({"ochopod", "--help"}), 0);
  EXPECT_NE(testing::internal::GetCapturedStdout().find("ochopod --version"), std::string::npos);
}

}  // namespace
}  // namespace ochopod::cli
