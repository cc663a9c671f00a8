// The child's environment from files (models/child/child_environment.h): the
// env-file syntax line by line, errors that say where and never what, and
// Docker's *_FILE convention.
#include "models/child/child_environment.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

namespace ochopod {
namespace {

using Env = std::vector<std::pair<std::string, std::string>>;

TEST(EnvFile, TheSyntax) {
  const auto parsed = detail::parse_env_file(
      "# a comment\n"
      "\n"
      "   \t\n"
      "PLAIN=value\n"
      "export EXPORTED=1\n"
      "  INDENTED = kept  \n"  // a blank before '=' makes the name invalid: see below
      "",
      "app.env");
  EXPECT_EQ(parsed.error,
            "app.env:6: the name before '=' is not a variable name (letters, "
            "digits, _; no digit first)");
  EXPECT_TRUE(parsed.env.empty()) << "nothing from a file with an error";

  const auto ok = detail::parse_env_file(
      "# a comment\n"
      "\n"
      "A=plain value  \r\n"
      "export B=1\n"
      "C='single $HOME \"x\"'\n"
      "D=\"double 'y' # not a comment\"   \n"
      "E=\n"
      "F=a=b=c\n"
      "G=#not a comment\n"
      "  _under_score9=  spaced  \n"
      "A=later wins\n"
      "H=''\n"
      "last=no newline",
      "app.env");
  ASSERT_EQ(ok.error, "");
  EXPECT_EQ(ok.env, (Env{{"A", "plain value"},
                         {"B", "1"},
                         {"C", "single $HOME \"x\""},
                         {"D", "double 'y' # not a comment"},
                         {"E", ""},
                         {"F", "a=b=c"},
                         {"G", "#not a comment"},
                         {"_under_score9", "spaced"},
                         {"A", "later wins"},
                         {"H", ""},
                         {"last", "no newline"}}));
}

TEST(EnvFile, ErrorsNameFileAndLineButNeverTheContent) {
  const std::string secret = "hunter2";
  struct Case {
    std::string text, error;
  };
  const std::vector<Case> cases = {
      {"OK=1\n" + secret + "\n", "e:2: not KEY=VALUE (no '=')"},
      {"1ABC=" + secret + "\n", "e:1: the name before '=' is not a variable name"},
      {"=" + secret + "\n", "e:1: the name before '=' is not a variable name"},
      {"A-B=" + secret + "\n", "e:1: the name before '=' is not a variable name"},
      {"K=\"" + secret + "\n", "e:1: unterminated double quote"},
      {"K='" + secret + "\n", "e:1: unterminated single quote"},
      {"K='" + secret + "' tail\n", "e:1: text after the closing quote"},
      {"K=\"a\"b\"\n", "e:1: text after the closing quote"},
      {"\n\nK=" + secret + std::string(1, '\0') + "\n", "e:3: NUL byte"},
      {"export\n", "e:1: not KEY=VALUE (no '=')"},
  };
  for (const auto& c : cases) {
    const auto parsed = detail::parse_env_file(c.text, "e");
    EXPECT_EQ(parsed.error.rfind(c.error, 0), 0u) << "got '" << parsed.error << "' for " << c.text;
    EXPECT_EQ(parsed.error.find(secret), std::string::npos) << parsed.error;
    EXPECT_TRUE(parsed.env.empty());
  }
}

class ChildEnvironment : public testing::Test {
 protected:
  void SetUp() override { std::filesystem::create_directories(dir_); }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& content) {
    const std::string path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }
  std::filesystem::path dir_ =
      std::filesystem::temp_directory_path() / ("ochopod-child-env-" + std::to_string(::getpid()));
};

TEST_F(ChildEnvironment, FilesInOrderThenTheFileVariables) {
  const std::string a = write("a.env", "X=1\nY=from a\n");
  const std::string b = write("b.env", "Y=from b\n");
  const std::string password = write("password", "s3cret\n");
  const std::string token = write("token", "line1\nline2\n\n");
  const std::string crlf = write("crlf", "windows\r\n");
  const Environment pod = {
      {"DB_PASSWORD_FILE", password}, {"TOKEN_FILE", token}, {"WIN_FILE", crlf}};
  const auto result = detail::read_child_environment({a, b}, {"DB_PASSWORD", "TOKEN", "WIN"}, pod);
  ASSERT_EQ(result.error, "");
  EXPECT_EQ(result.env, (Env{{"X", "1"},
                             {"Y", "from a"},
                             {"Y", "from b"},
                             {"DB_PASSWORD", "s3cret"},
                             {"TOKEN", "line1\nline2\n"},  // one newline dropped, only one
                             {"WIN", "windows"}}));
}

TEST_F(ChildEnvironment, ErrorsNameTheFileOrTheVariableNeverTheSecret) {
  const std::string secret = "hunter2";
  const std::string password = write("password", secret);
  const std::string bad = write("bad.env", "OK=1\n" + secret + "\n");

  auto result = detail::read_child_environment({}, {"DB_PASSWORD"}, {});
  EXPECT_EQ(result.error, "DB_PASSWORD_FILE is not set (file env names DB_PASSWORD)");

  result = detail::read_child_environment({}, {"DB_PASSWORD"},
                                          {{"DB_PASSWORD_FILE", (dir_ / "missing").string()}});
  EXPECT_EQ(result.error.rfind("DB_PASSWORD_FILE: cannot open '", 0), 0u) << result.error;
  EXPECT_NE(result.error.find("No such file or directory"), std::string::npos) << result.error;

  result = detail::read_child_environment({}, {"not a name"}, {});
  EXPECT_EQ(result.error, "file env: 'not a name' is not a variable name");

  result = detail::read_child_environment({bad}, {"DB_PASSWORD"}, {{"DB_PASSWORD_FILE", password}});
  EXPECT_EQ(result.error, "env file " + bad + ":2: not KEY=VALUE (no '=')");
  EXPECT_TRUE(result.env.empty());

  result = detail::read_child_environment({(dir_ / "none.env").string()}, {}, {});
  EXPECT_EQ(result.error.rfind("env file: cannot open '", 0), 0u) << result.error;

  const std::string nul = write("nul", std::string("a\0b", 3));
  result = detail::read_child_environment({}, {"K"}, {{"K_FILE", nul}});
  EXPECT_NE(result.error.find("holds a NUL byte"), std::string::npos) << result.error;

  for (const auto& error : {result.error}) EXPECT_EQ(error.find(secret), std::string::npos);
}

TEST_F(ChildEnvironment, LargeFilesAreRefused) {
  const std::string big = write("big", std::string(detail::kMaxEnvFileBytes + 1, 'x'));
  auto result = detail::read_child_environment({}, {"BIG"}, {{"BIG_FILE", big}});
  EXPECT_EQ(result.error, "BIG_FILE: '" + big + "' is larger than 1 MiB");
  result = detail::read_child_environment({big}, {}, {});
  EXPECT_EQ(result.error, "env file: '" + big + "' is larger than 1 MiB");
  const std::string fits = write("fits", std::string(detail::kMaxEnvFileBytes, 'x'));
  result = detail::read_child_environment({}, {"FITS"}, {{"FITS_FILE", fits}});
  EXPECT_EQ(result.error, "");
}

}  // namespace
}  // namespace ochopod
