// The one flag scanner of cli/ and the operator subcommands' arguments read
// with it: forms, errors (one line each), help.
#include "cli/ops/args.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace ochopod::cli {
namespace {

using Args = std::vector<std::string>;

enum Id : int { kName, kQuiet, kLevel, kHelp, kHidden };

constexpr FlagSpec kTable[] = {
    {kName, 'n', "name", "<word>", "a name"},
    {kQuiet, 'q', "quiet", nullptr, "say less"},
    {kLevel, 0, "level", "<n>", "a level"},
    {kHelp, 'h', "help", nullptr, "this help", /*ends_scan=*/true},
    {kHidden, 'x', "hidden", nullptr, nullptr},
};

// What a scan saw: each flag as "long=value", the positionals, the error.
struct Scan {
  std::vector<std::string> flags;
  Args positionals;
  std::string error;
};

Scan scan(const Args& args, const ScanRules& rules = {}) {
  Scan out;
  out.error = scan_flags(
      kTable, args,
      [&out](const FlagSpec& flag, const std::string& value) -> std::string {
        if (flag.id == kLevel && value == "bad") return "--level wants a number";
        out.flags.push_back(std::string(flag.long_name) + "=" + value);
        return "";
      },
      &out.positionals, rules);
  return out;
}

TEST(ScanFlags, EveryFormOfAFlag) {
  const Scan s = scan({"--name", "a", "--name=b", "-n", "c", "-nd", "-q", "--level=3", "p1", "-",
                       "-qn", "e", "--", "--name", "-q"});
  EXPECT_EQ(s.error, "");
  EXPECT_EQ(s.flags, (Args{"name=a", "name=b", "name=c", "name=d", "quiet=", "level=3",
                           "quiet=", "name=e"}));
  EXPECT_EQ(s.positionals, (Args{"p1", "-", "--name", "-q"})) << "-- ends the flags";
}

TEST(ScanFlags, ErrorsNameTheFlag) {
  EXPECT_EQ(scan({"--nope"}).error, "unknown option --nope");
  EXPECT_EQ(scan({"--nope=1"}).error, "unknown option --nope");
  EXPECT_EQ(scan({"-z"}).error, "unknown option -z");
  EXPECT_EQ(scan({"-qz"}).error, "unknown option -z");
  EXPECT_EQ(scan({"--quiet=yes"}).error, "--quiet takes no value");
  EXPECT_EQ(scan({"--name"}).error, "--name needs a value");
  EXPECT_EQ(scan({"-n"}).error, "-n needs a value");
  EXPECT_EQ(scan({"--level", "bad"}).error, "--level wants a number") << "the command's own";
  ScanRules hint;
  hint.unknown_short_hint = " (arguments go after --)";
  EXPECT_EQ(scan({"-z"}, hint).error, "unknown option -z (arguments go after --)");
  EXPECT_EQ(scan({"--zz"}, hint).error, "unknown option --zz");
}

TEST(ScanFlags, AFlagThatEndsTheScanLeavesTheRestUnread) {
  const Scan s = scan({"-q", "-h", "--nope", "-n"});
  EXPECT_EQ(s.error, "");
  EXPECT_EQ(s.flags, (Args{"quiet=", "help="}));
}

TEST(ScanFlags, PastLooseAfterAnUnknownFlagIsAPositional) {
  ScanRules rules;
  rules.loose_after = 2;
  EXPECT_EQ(scan({"a", "--nope"}, rules).error, "unknown option --nope");
  const Scan s = scan({"a", "b", "--nope", "-z", "-q", "--name", "n"}, rules);
  EXPECT_EQ(s.error, "");
  EXPECT_EQ(s.positionals, (Args{"a", "b", "--nope", "-z"}));
  EXPECT_EQ(s.flags, (Args{"quiet=", "name=n"})) << "known flags are still flags";
}

TEST(FlagsHelp, AlignsTheMeaningsAndLeavesOutFlagsWithoutHelp) {
  EXPECT_EQ(flags_help(kTable, 20),
            "options:\n"
            "  -n, --name <word>  a name\n"
            "  -q, --quiet        say less\n"
            "  --level <n>        a level\n"
            "  -h, --help         this help\n");
  EXPECT_EQ(flags_help(kTable, 4).substr(0, 40), "options:\n  -n, --name <word> a name\n  -q");
}

const std::map<std::string, std::string> kZk = {{"OCHOPOD_ZK", "127.0.0.1:2181"}};

TEST(OpsArgs, PositionalsAndFlagsOfASubcommand) {
  OpsSyntax syntax;
  syntax.positionals = Positionals::kPortThenGlobs;
  const auto parsed = parse_ops_args(syntax, {"8080", "-i", "0,2", "web.*", "-jt", "2.5"}, kZk);
  ASSERT_TRUE(parsed.args) << parsed.error;
  EXPECT_EQ(parsed.args->port, 8080);
  EXPECT_EQ(parsed.args->seqs, (std::set<int>{0, 2}));
  EXPECT_EQ(parsed.args->globs, (Args{"web.*"}));
  EXPECT_TRUE(parsed.args->json);
  EXPECT_EQ(parsed.args->timeout, 2.5);
  EXPECT_EQ(parsed.args->zk, "127.0.0.1:2181");
}

TEST(OpsArgs, OneLineErrors) {
  const OpsSyntax globs;
  EXPECT_EQ(parse_ops_args(globs, {"-i", "x"}, kZk).error,
            "-i takes seq numbers (e.g. -i 0,2), not 'x'");
  EXPECT_EQ(parse_ops_args(globs, {"-t", "0"}, kZk).error,
            "-t takes a positive number of seconds, not '0'");
  EXPECT_EQ(parse_ops_args(globs, {"-l"}, kZk).error, "unknown option -l") << "log's only";
  EXPECT_EQ(parse_ops_args(globs, {}, {}).error,
            "no ZooKeeper given: use --zk <hosts> or set $OCHOPOD_ZK");
  OpsSyntax exec;
  exec.positionals = Positionals::kToolThenArgs;
  EXPECT_EQ(parse_ops_args(exec, {"echo", "-n"}, kZk).error,
            "unknown option -n (tool arguments go after --)");
  const auto tool = parse_ops_args(exec, {"echo", "--", "-n", "x"}, kZk);
  ASSERT_TRUE(tool.args) << tool.error;
  EXPECT_EQ(tool.args->tool, "echo");
  EXPECT_EQ(tool.args->tool_args, (Args{"-n", "x"}));
  OpsSyntax kill;
  kill.needs_force = true;
  EXPECT_EQ(parse_ops_args(kill, {}, kZk).error,
            "this acts on every selected pod: pick pods with -i or add --force");
  EXPECT_TRUE(parse_ops_args(kill, {"--force"}, kZk).args);
}

TEST(OpsArgs, HelpNeedsNothingElseAndListsTheSyntaxsFlags) {
  OpsSyntax log;
  log.long_flag = true;
  const auto parsed = parse_ops_args(log, {"-h"}, {});
  ASSERT_TRUE(parsed.args) << parsed.error;
  EXPECT_TRUE(parsed.args->help);
  const std::string help = ops_options_help(log);
  EXPECT_NE(help.find("\n  -i, --indices <seq,...>  only the pods"), std::string::npos) << help;
  EXPECT_NE(help.find("\n  -l, --long               the whole log"), std::string::npos) << help;
  EXPECT_EQ(help.find("--force"), std::string::npos) << help;
  EXPECT_EQ(help.find("--file"), std::string::npos) << help;
}

OpsSyntax signal_syntax() {
  OpsSyntax syntax;
  syntax.positionals = Positionals::kJsonThenGlobs;
  syntax.needs_force = true;
  syntax.signal_flag = true;
  return syntax;
}

TEST(OpsArgs, SignalFlagSendsTheSignalsNameAsTheBody) {
  for (const auto& given : {"USR1", "SIGUSR1", "usr1", "10"}) {
    const auto parsed = parse_ops_args(signal_syntax(), {"-i", "0", "-s", given, "web.*"}, kZk);
    ASSERT_TRUE(parsed.args) << given << ": " << parsed.error;
    EXPECT_EQ(parsed.args->body, R"({"signal":"SIGUSR1"})") << given;
    EXPECT_EQ(parsed.args->globs, (Args{"web.*"})) << "not taken for a body";
  }
  const auto joined = parse_ops_args(signal_syntax(), {"--force", "--signal=HUP"}, kZk);
  ASSERT_TRUE(joined.args) << joined.error;
  EXPECT_EQ(joined.args->body, R"({"signal":"SIGHUP"})");
  EXPECT_EQ(joined.args->globs, (Args{"*"}));
  const auto grouped = parse_ops_args(signal_syntax(), {"--force", "-jsTERM"}, kZk);
  ASSERT_TRUE(grouped.args) << grouped.error;
  EXPECT_TRUE(grouped.args->json);
  EXPECT_EQ(grouped.args->body, R"({"signal":"SIGTERM"})");
}

TEST(OpsArgs, SignalWithoutANameGoesAsItsNumber) {
  // Real-time signals have no abbreviation of their own.
  const auto parsed = parse_ops_args(signal_syntax(), {"--force", "-s", "40"}, kZk);
  ASSERT_TRUE(parsed.args) << parsed.error;
  EXPECT_EQ(parsed.args->body, R"({"signal":40})");
}

TEST(OpsArgs, SignalFlagErrors) {
  const auto syntax = signal_syntax();
  for (const auto& bad : {"FOO", "SIG", "0", "-1", "65", "1.5", ""}) {
    const auto parsed = parse_ops_args(syntax, {"--force", "-s", bad}, kZk);
    EXPECT_FALSE(parsed.args) << bad;
    EXPECT_EQ(parsed.error.rfind("-s takes a signal name (USR1, SIGUSR1) or number (1-", 0), 0u)
        << parsed.error;
    EXPECT_NE(parsed.error.find(std::string("not '") + bad + "'"), std::string::npos)
        << parsed.error;
  }
  EXPECT_EQ(parse_ops_args(syntax, {"--force", "-s"}, kZk).error, "-s needs a value");
  EXPECT_EQ(parse_ops_args(syntax, {"--force", "-s", "USR1", R"({"a": 1})"}, kZk).error,
            "give the signal with -s or as a JSON body, not both");
  EXPECT_EQ(parse_ops_args(syntax, {"--force", R"({"a": 1})", "-s", "USR1"}, kZk).error,
            "give the signal with -s or as a JSON body, not both")
      << "whatever the order";
  EXPECT_EQ(parse_ops_args(syntax, {"-s", "USR1"}, kZk).error,
            "this acts on every selected pod: pick pods with -i or add --force");
  const auto json_body = parse_ops_args(syntax, {"--force", R"({"a": 1})", "web"}, kZk);
  ASSERT_TRUE(json_body.args) << json_body.error;
  EXPECT_EQ(json_body.args->body, R"({"a": 1})") << "the JSON body as it came";
  EXPECT_EQ(parse_ops_args(OpsSyntax{}, {"-s", "USR1"}, kZk).error, "unknown option -s")
      << "signal's only";
  const std::string help = ops_options_help(syntax);
  EXPECT_NE(help.find("\n  -s, --signal <SIG>"), std::string::npos) << help;
  EXPECT_EQ(ops_options_help(OpsSyntax{}).find("--signal"), std::string::npos);
}

}  // namespace
}  // namespace ochopod::cli
