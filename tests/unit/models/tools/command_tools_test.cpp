// CommandTool's spec and ShellTool's defaults; shell_quote. What the tools
// run is tested with real processes in tests/integration/exec_test.cpp.
#include "models/tools/command_tools.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace ochopod {
namespace {

TEST(CommandTool, ReadsItsTagAndCommandFromTheSpec) {
  CommandTool tool("backup=/usr/bin/backup --all");
  EXPECT_EQ(tool.tag(), "backup");
  EXPECT_EQ(tool.timeout(), std::chrono::seconds(300));
  EXPECT_EQ(tool.parse("a  b"), (std::vector<std::string>{"a", "b"}));
  CommandTool quick("t=true", std::chrono::seconds(5));
  EXPECT_EQ(quick.timeout(), std::chrono::seconds(5));
}

TEST(CommandTool, RefusesASpecWithoutTagOrCommand) {
  for (const char* spec : {"backup", "=backup", "backup=", "backup=   "}) {
    EXPECT_THROW(CommandTool tool(spec), std::invalid_argument) << spec;
  }
}

TEST(ShellTool, IsTheStockShellTool) {
  ShellTool tool;
  EXPECT_EQ(tool.tag(), "shell");
  EXPECT_EQ(tool.timeout(), std::chrono::seconds(300));
}

TEST(ShellQuote, MakesOneWordForTheShell) {
  EXPECT_EQ(shell_quote("plain"), "'plain'");
  EXPECT_EQ(shell_quote("it's"), "'it'\\''s'");
  EXPECT_EQ(shell_quote(""), "''");
}

}  // namespace
}  // namespace ochopod
