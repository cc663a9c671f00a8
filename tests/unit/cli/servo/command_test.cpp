// `ochopod servo`'s command line: its usage, word for word, and its usage
// errors (exit 2), all decided before any packing or upload.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cli/commands.h"

namespace ochopod::cli {
namespace {

const std::string kUsage =
    "usage: ochopod servo [options] <url> <dir> <script>...\n"
    "\n"
    "Packs <dir> as a .tgz, signs it with the servo's token and has the servo at\n"
    "<url> (http://host:port, its port 5000) run the scripts in order; prints\n"
    "their output. Exit status: 0 all succeeded, 1 one failed or the upload was\n"
    "refused, 2 usage error.\n"
    "\n"
    "options:\n"
    "  --servo-token-file <path>  the servo's token (default: $OCHOPOD_SERVO_TOKEN)\n"
    "  -j, --json                 print the servo's JSON answer instead of the output\n"
    "  -t, --timeout <seconds>    how long the scripts may take (default 900)\n";

struct Ran {
  int code;
  std::string out, err;
};

Ran servo(const std::vector<std::string>& args) {
  testing::internal::CaptureStdout();
  testing::internal::CaptureStderr();
  const int code = servo_command(args);
  Ran r{code, testing::internal::GetCapturedStdout(), testing::internal::GetCapturedStderr()};
  return r;
}

// A usage error: exit 2, the reason, then the usage, on stderr.
std::string refusal(const std::vector<std::string>& args) {
  const Ran r = servo(args);
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.out, "");
  const std::string prefix = "ochopod servo: ";
  if (r.err.rfind(prefix, 0) != 0 || r.err.size() < kUsage.size() ||
      r.err.compare(r.err.size() - kUsage.size(), kUsage.size(), kUsage) != 0) {
    ADD_FAILURE() << "not a usage error: " << r.err;
    return r.err;
  }
  return r.err.substr(prefix.size(), r.err.size() - kUsage.size() - prefix.size() - 1);
}

TEST(ServoCommand, HelpPrintsTheUsageAndReadsNoFurther) {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"-h"}, {"--help"}, {"-j", "--help", "--bogus"}, {"url", "dir", "s", "-h"}}) {
    const Ran r = servo(args);
    EXPECT_EQ(r.code, 0);
    EXPECT_EQ(r.out, kUsage);
    EXPECT_EQ(r.err, "");
  }
}

TEST(ServoCommand, UsageErrors) {
  EXPECT_EQ(refusal({}), "a url, a directory and a script are needed");
  EXPECT_EQ(refusal({"http://h:5000", "dir"}), "a url, a directory and a script are needed");
  EXPECT_EQ(refusal({"--bogus", "u", "d", "s"}), "unknown option --bogus");
  EXPECT_EQ(refusal({"u", "-x", "d", "s"}), "unknown option -x");
  EXPECT_EQ(refusal({"-t"}), "-t needs a value");
  EXPECT_EQ(refusal({"--timeout"}), "--timeout needs a value");
  EXPECT_EQ(refusal({"--servo-token-file"}), "--servo-token-file needs a value");
  EXPECT_EQ(refusal({"-t", "0", "u", "d", "s"}), "bad timeout '0'");
  EXPECT_EQ(refusal({"--timeout", "soon", "u", "d", "s"}), "bad timeout 'soon'");
  EXPECT_EQ(refusal({"u", "d", "s", "-t", "-5"}), "bad timeout '-5'") << "flags come anywhere";
}

TEST(ServoCommand, AfterTheUrlAndDirectoryAScriptMayStartWithADash) {
  // Parsed through: the token file is what fails, not "-x".
  const std::string why =
      refusal({"--servo-token-file", "/nonexistent/ochopod-token", "u", "d", "-x", "--y"});
  EXPECT_EQ(why.rfind("cannot read /nonexistent/ochopod-token", 0), 0u) << why;
}

}  // namespace
}  // namespace ochopod::cli
