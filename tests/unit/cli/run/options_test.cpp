#include "cli/run/options.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace ochopod::cli {
namespace {

using Args = std::vector<std::string>;
using Env = std::map<std::string, std::string>;

// Parses `args` (which should hold "--" and a command) and expects success.
RunOptions ok(const Args& args, const Env& env = {}) {
  auto result = parse_run_options(args, env);
  EXPECT_TRUE(result.options.has_value()) << result.error;
  EXPECT_TRUE(result.error.empty()) << result.error;
  return result.options.value_or(RunOptions{});
}

// Parses and expects the given one-line error.
std::string fails(const Args& args, const Env& env = {}) {
  auto result = parse_run_options(args, env);
  EXPECT_FALSE(result.options.has_value());
  EXPECT_EQ(result.error.find('\n'), std::string::npos) << result.error;
  EXPECT_TRUE(result.error.starts_with("ochopod run: ")) << result.error;
  return result.error;
}

const Args kAllOptions = {"session-timeout",
                          "bind",
                          "check-every",
                          "checks",
                          "grace",
                          "shell",
                          "strict",
                          "soft",
                          "pipe",
                          "cwd",
                          "sanity",
                          "health",
                          "damper",
                          "depends-on",
                          "full-shutdown",
                          "sequential",
                          "control-timeout",
                          "probe-every",
                          "probe",
                          "binding",
                          "zk-acl",
                          "tool",
                          "restart-backoff"};

TEST(RunOptions, Defaults) {
  const auto o = ok({"--", "app"});
  EXPECT_EQ(o.session_timeout, 5);
  EXPECT_EQ(o.bind, "0.0.0.0");
  EXPECT_EQ(o.check_every, 60);
  EXPECT_EQ(o.checks, 1);
  EXPECT_EQ(o.grace, 60);
  EXPECT_FALSE(o.shell || o.strict || o.soft || o.pipe || o.full_shutdown || o.sequential);
  EXPECT_FALSE(o.cwd || o.sanity || o.probe || o.binding);
  EXPECT_TRUE(o.health.empty() && o.depends_on.empty() && o.tools.empty());
  EXPECT_EQ(o.damper, 0);
  EXPECT_EQ(o.control_timeout, 60);
  EXPECT_EQ(o.probe_every, 60);
  EXPECT_EQ(o.restart_backoff, 10);
  EXPECT_EQ(o.argv, Args{"app"});
  EXPECT_TRUE(o.given.empty());
  EXPECT_FALSE(o.help);
}

TEST(RunOptions, EveryKindFromTheCommandLine) {
  const auto o = ok({"--session-timeout",
                     "2.5",
                     "--bind",
                     "127.0.0.1",
                     "--check-every",
                     "0.5",
                     "--checks",
                     "3",
                     "--grace",
                     "0",
                     "--shell",
                     "--strict",
                     "--soft",
                     "--pipe",
                     "--cwd",
                     "/tmp",
                     "--sanity",
                     "test -f /ok",
                     "--health",
                     "tcp:9092",
                     "--damper",
                     "10",
                     "--depends-on",
                     "zk",
                     "--full-shutdown",
                     "--sequential",
                     "--control-timeout",
                     "7",
                     "--probe-every",
                     "15",
                     "--probe",
                     "echo hi",
                     "--binding",
                     "local",
                     "--zk-acl",
                     "private",
                     "--tool",
                     "ls=ls -l",
                     "--restart-backoff",
                     "2.5",
                     "--",
                     "app",
                     "x"});
  EXPECT_EQ(o.session_timeout, 2.5);
  EXPECT_EQ(o.bind, "127.0.0.1");
  EXPECT_EQ(o.check_every, 0.5);
  EXPECT_EQ(o.checks, 3);
  EXPECT_EQ(o.grace, 0);
  EXPECT_TRUE(o.shell && o.strict && o.soft && o.pipe && o.full_shutdown && o.sequential);
  EXPECT_EQ(o.cwd, "/tmp");
  EXPECT_EQ(o.sanity, "test -f /ok");
  EXPECT_EQ(o.health, Args{"tcp:9092"});
  EXPECT_EQ(o.damper, 10);
  EXPECT_EQ(o.depends_on, Args{"zk"});
  EXPECT_EQ(o.control_timeout, 7);
  EXPECT_EQ(o.probe_every, 15);
  EXPECT_EQ(o.probe, "echo hi");
  EXPECT_EQ(o.binding, "local");
  EXPECT_EQ(o.zk_acl, "private");
  EXPECT_EQ(o.tools, Args{"ls=ls -l"});
  EXPECT_EQ(o.restart_backoff, 2.5);
  EXPECT_EQ(o.argv, (Args{"app", "x"}));
  EXPECT_EQ(o.given, std::set<std::string>(kAllOptions.begin(), kAllOptions.end()));
}

TEST(RunOptions, EveryKindFromTheEnvironment) {
  const auto o = ok({"--", "app"}, {{"ochopod_session_timeout", "3"},
                                    {"ochopod_bind", "10.0.0.1"},
                                    {"ochopod_check_every", "1.25"},
                                    {"ochopod_checks", "0"},
                                    {"ochopod_grace", "9"},
                                    {"ochopod_shell", "true"},
                                    {"ochopod_strict", "false"},
                                    {"ochopod_soft", "true"},
                                    {"ochopod_pipe", "true"},
                                    {"ochopod_cwd", "/srv"},
                                    {"ochopod_sanity", "true"},
                                    {"ochopod_health", "http://127.0.0.1:8000/ok,tcp:1"},
                                    {"ochopod_damper", "4"},
                                    {"ochopod_depends_on", "zk,/other/kafka"},
                                    {"ochopod_full_shutdown", "true"},
                                    {"ochopod_sequential", "true"},
                                    {"ochopod_control_timeout", "8"},
                                    {"ochopod_probe_every", "16"},
                                    {"ochopod_probe", "date"},
                                    {"ochopod_binding", "solo"},
                                    {"ochopod_zk_acl", "read"},
                                    {"ochopod_tool", "a=echo a,b=echo b"},
                                    {"ochopod_restart_backoff", "0"},
                                    {"ochopod_cluster", "ignored"},
                                    {"OCHOPOD_GRACE", "ignored, case matters"}});
  EXPECT_EQ(o.session_timeout, 3);
  EXPECT_EQ(o.bind, "10.0.0.1");
  EXPECT_EQ(o.check_every, 1.25);
  EXPECT_EQ(o.checks, 0);
  EXPECT_EQ(o.grace, 9);
  EXPECT_TRUE(o.shell && o.soft && o.pipe && o.full_shutdown && o.sequential);
  EXPECT_FALSE(o.strict);
  EXPECT_EQ(o.cwd, "/srv");
  EXPECT_EQ(o.sanity, "true");
  EXPECT_EQ(o.health, (Args{"http://127.0.0.1:8000/ok", "tcp:1"}));
  EXPECT_EQ(o.damper, 4);
  EXPECT_EQ(o.depends_on, (Args{"zk", "/other/kafka"}));
  EXPECT_EQ(o.control_timeout, 8);
  EXPECT_EQ(o.probe_every, 16);
  EXPECT_EQ(o.probe, "date");
  EXPECT_EQ(o.binding, "solo");
  EXPECT_EQ(o.zk_acl, "read");
  EXPECT_EQ(o.tools, (Args{"a=echo a", "b=echo b"}));
  EXPECT_EQ(o.restart_backoff, 0);
  // A twin set to false was still given explicitly.
  EXPECT_EQ(o.given, std::set<std::string>(kAllOptions.begin(), kAllOptions.end()));
}

TEST(RunOptions, CommandLineBeatsEnvironment) {
  const auto o = ok({"--grace", "1", "--depends-on", "a", "--binding", "local", "--", "app"},
                    {{"ochopod_grace", "2"},
                     {"ochopod_depends_on", "b,c"},
                     {"ochopod_binding", "marathon"},
                     {"ochopod_damper", "3"}});
  EXPECT_EQ(o.grace, 1);
  EXPECT_EQ(o.depends_on, Args{"a"});  // the CLI list replaces the twin's, no merge
  EXPECT_EQ(o.binding, "local");
  EXPECT_EQ(o.damper, 3);  // not on the command line: the twin applies
  EXPECT_EQ(o.given, (std::set<std::string>{"grace", "depends-on", "binding", "damper"}));
}

TEST(RunOptions, CommandLineShadowsAMalformedTwin) {
  EXPECT_EQ(ok({"--grace", "1", "--", "app"}, {{"ochopod_grace", "abc"}}).grace, 1);
}

TEST(RunOptions, EqualsForm) {
  const auto o = ok({"--grace=0.25", "--cwd=/a=b", "--health=tcp:80", "--", "app"});
  EXPECT_EQ(o.grace, 0.25);
  EXPECT_EQ(o.cwd, "/a=b");  // split at the first '='
  EXPECT_EQ(o.health, Args{"tcp:80"});
  EXPECT_EQ(fails({"--sanity=", "--", "app"}), "ochopod run: --sanity needs a value");
}

TEST(RunOptions, LastScalarWins) {
  EXPECT_EQ(ok({"--grace", "1", "--grace=2", "--", "app"}).grace, 2);
}

TEST(RunOptions, ListsRepeatAndSplitOnCommas) {
  const auto o = ok({"--depends-on", "a,b", "--depends-on", "c", "--depends-on=,d,,", "--tool",
                     "x=echo x, y=echo y", "--", "app"});
  EXPECT_EQ(o.depends_on, (Args{"a", "b", "c", "d"}));
  EXPECT_EQ(o.tools, (Args{"x=echo x", "y=echo y"}));  // items are trimmed
}

TEST(RunOptions, EmptyListItemsAreDropped) {
  const auto o = ok({"--", "app"}, {{"ochopod_depends_on", ",, ,"}, {"ochopod_health", ""}});
  EXPECT_TRUE(o.depends_on.empty());
  EXPECT_TRUE(o.health.empty());
  EXPECT_TRUE(o.given.contains("depends-on"));
}

TEST(RunOptions, UnknownOptions) {
  EXPECT_EQ(fails({"--foo", "--", "app"}), "ochopod run: unknown option --foo");
  EXPECT_EQ(fails({"--foo=1", "--", "app"}), "ochopod run: unknown option --foo");
  EXPECT_EQ(fails({"-x", "--", "app"}), "ochopod run: unknown option -x");
  EXPECT_EQ(fails({"--Grace", "1", "--", "app"}), "ochopod run: unknown option --Grace");
  EXPECT_EQ(fails({"--tools", "a=b", "--", "app"}), "ochopod run: unknown option --tools");
}

TEST(RunOptions, StrayArgumentsBeforeTheSeparator) {
  EXPECT_EQ(fails({"app", "--", "x"}),
            "ochopod run: unexpected argument 'app' (the command goes after --)");
  EXPECT_EQ(fails({"--grace", "1", "2", "--", "x"}),
            "ochopod run: unexpected argument '2' (the command goes after --)");
  EXPECT_EQ(fails({"-", "--", "x"}),
            "ochopod run: unexpected argument '-' (the command goes after --)");
}

TEST(RunOptions, MissingValues) {
  EXPECT_EQ(fails({"--grace"}), "ochopod run: --grace needs a value");
  EXPECT_EQ(fails({"--grace", "--", "app"}), "ochopod run: --grace needs a value");
  EXPECT_EQ(fails({"--cwd", "--shell", "--", "app"}), "ochopod run: --cwd needs a value");
  EXPECT_EQ(fails({"--bind", "", "--", "app"}), "ochopod run: --bind needs a value");
  EXPECT_EQ(fails({"--", "app"}, {{"ochopod_probe", ""}}),
            "ochopod run: ochopod_probe needs a value");
}

TEST(RunOptions, MalformedDurations) {
  for (const std::string bad : {"abc", "-1", "nan", "inf", "1e999", "", " 1", "1s", "+1", "0x10"}) {
    EXPECT_EQ(fails({"--grace", bad, "--", "app"}),
              "ochopod run: --grace expects a duration in seconds, got '" + bad + "'");
    EXPECT_EQ(fails({"--control-timeout=" + bad, "--", "app"}),
              "ochopod run: --control-timeout expects a duration in seconds, got '" + bad + "'");
    EXPECT_EQ(fails({"--", "app"}, {{"ochopod_check_every", bad}}),
              "ochopod run: ochopod_check_every expects a duration in seconds, got '" + bad + "'");
  }
  EXPECT_EQ(ok({"--grace", "1e3", "--", "app"}).grace, 1000);
}

// Intervals and the control timeout: 0 would spin a loop or fail every round.
TEST(RunOptions, ZeroIntervalsAndControlTimeoutAreErrors) {
  for (const std::string name : {"probe-every", "check-every", "control-timeout"}) {
    for (const std::string zero : {"0", "0.0", "-0"}) {
      EXPECT_EQ(fails({"--" + name, zero, "--", "app"}),
                "ochopod run: --" + name + " must be more than 0 seconds, got '" + zero + "'");
    }
    EXPECT_EQ(fails({"--" + name + "=-1", "--", "app"}),
              "ochopod run: --" + name + " expects a duration in seconds, got '-1'");
    std::string var = "ochopod_" + name;
    std::replace(var.begin(), var.end(), '-', '_');
    EXPECT_EQ(fails({"--", "app"}, {{var, "0"}}),
              "ochopod run: " + var + " must be more than 0 seconds, got '0'");
  }
  // Zero stays meaningful where it means "at once".
  EXPECT_EQ(ok({"--damper", "0", "--grace", "0", "--", "app"}).damper, 0);
}

TEST(RunOptions, TinyIntervalsAreRaisedToATenthWithAWarning) {
  const auto result =
      parse_run_options({"--probe-every", "0.001", "--control-timeout=0.05", "--", "app"},
                        {{"ochopod_check_every", "1e-9"}});
  ASSERT_TRUE(result.options) << result.error;
  EXPECT_EQ(result.options->probe_every, 0.1);
  EXPECT_EQ(result.options->control_timeout, 0.1);
  EXPECT_EQ(result.options->check_every, 0.1);
  ASSERT_EQ(result.warnings.size(), 3u);
  EXPECT_EQ(result.warnings[0],
            "ochopod run: --probe-every raised to the minimum of 0.1 seconds, got '0.001'");
  EXPECT_EQ(result.warnings[1],
            "ochopod run: --control-timeout raised to the minimum of 0.1 seconds, got '0.05'");
  EXPECT_EQ(result.warnings[2],
            "ochopod run: ochopod_check_every raised to the minimum of 0.1 seconds, got '1e-9'");
  // Decimals at or above the minimum are kept as given, without a word.
  const auto kept =
      parse_run_options({"--probe-every", "0.1", "--check-every=2.5", "--", "app"}, {});
  ASSERT_TRUE(kept.options);
  EXPECT_EQ(kept.options->probe_every, 0.1);
  EXPECT_EQ(kept.options->check_every, 2.5);
  EXPECT_TRUE(kept.warnings.empty());
}

TEST(RunOptions, MalformedInts) {
  for (const std::string bad : {"1.5", "-1", "abc", "", "99999999999", "2x"}) {
    EXPECT_EQ(fails({"--checks", bad, "--", "app"}),
              "ochopod run: --checks expects a whole number >= 0, got '" + bad + "'");
    EXPECT_EQ(fails({"--", "app"}, {{"ochopod_checks", bad}}),
              "ochopod run: ochopod_checks expects a whole number >= 0, got '" + bad + "'");
  }
}

TEST(RunOptions, FlagsTakeNoValueOnTheCommandLine) {
  EXPECT_EQ(fails({"--shell=true", "--", "app"}), "ochopod run: --shell takes no value");
  EXPECT_EQ(fails({"--full-shutdown=", "--", "app"}),
            "ochopod run: --full-shutdown takes no value");
  EXPECT_EQ(fails({"--help=1"}), "ochopod run: --help takes no value");
  // The next argument is never swallowed as a flag's value.
  EXPECT_EQ(fails({"--shell", "true", "--", "app"}),
            "ochopod run: unexpected argument 'true' (the command goes after --)");
}

TEST(RunOptions, FlagTwinsTakeTrueOrFalse) {
  for (const std::string bad : {"yes", "1", "TRUE", "", "on"}) {
    EXPECT_EQ(fails({"--", "app"}, {{"ochopod_shell", bad}}),
              "ochopod run: ochopod_shell must be true or false, got '" + bad + "'");
  }
  EXPECT_EQ(fails({"--", "app"}, {{"ochopod_full_shutdown", "yes"}}),
            "ochopod run: ochopod_full_shutdown must be true or false, got 'yes'");
  // --shell on the command line beats a twin saying false.
  EXPECT_TRUE(ok({"--shell", "--", "app"}, {{"ochopod_shell", "false"}}).shell);
}

TEST(RunOptions, HealthEntries) {
  const auto o = ok({"--health",
                     "http://127.0.0.1:8080/health,tcp:65535,http://localhost:1,http://[::1]:2/x,"
                     "tcp:10.0.0.2:3",
                     "--", "app"});
  EXPECT_EQ(o.health, (Args{"http://127.0.0.1:8080/health", "tcp:65535", "http://localhost:1",
                            "http://[::1]:2/x", "tcp:10.0.0.2:3"}));
  const std::string expects =
      "expects http://<ip literal or localhost>:<port>/<path> or tcp:<port 1-65535>, got '";
  for (const std::string bad :
       {"tcp:0", "tcp:65536", "tcp:", "tcp:80x", "tcp:-1", "http://", "https://x", "8080", "x",
        "http://127.0.0.1", "http://:80/", "http://[::1]/", "http://127.0.0.1:0/", "tcp:host:80"}) {
    EXPECT_EQ(fails({"--health", bad, "--", "app"}),
              "ochopod run: --health " + expects + bad + "'");
  }
  EXPECT_EQ(fails({"--", "app"}, {{"ochopod_health", "tcp:1,udp:53"}}),
            "ochopod run: ochopod_health " + expects + "udp:53'");
}

// A name would be resolved by DNS on the lifecycle thread at every check.
TEST(RunOptions, HealthRefusesHostNames) {
  for (const std::string bad : {"http://example.com:80/", "http://db:5432/", "http://1.2.3:80/",
                                "http://[example]:80/", "http://local-host:8/"}) {
    const auto error = fails({"--health", bad, "--", "app"});
    EXPECT_NE(error.find("got '" + bad + "'"), std::string::npos) << error;
  }
}

TEST(RunOptions, ToolCommandsMayHoldCommas) {
  const auto o =
      ok({"--tool", "cut=cut -d, -f1,2", "--tool", "a=echo x,y, b=echo b,c_2=ls -l", "--", "app"});
  EXPECT_EQ(o.tools, (Args{"cut=cut -d, -f1,2", "a=echo x,y", "b=echo b", "c_2=ls -l"}));
  // The twin follows the same rule.
  const auto e = ok({"--", "app"}, {{"ochopod_tool", "csv=paste -sd, -,tsv=paste -s -"}});
  EXPECT_EQ(e.tools, (Args{"csv=paste -sd, -", "tsv=paste -s -"}));
  // What follows a comma must look like <tag>= to start a new tool.
  const auto f = ok({"--tool", "s=sed s/a,b/c/,t=tr -d ,", "--", "app"});
  EXPECT_EQ(f.tools, (Args{"s=sed s/a,b/c/", "t=tr -d ,"}));
  // Other lists still split at every comma.
  EXPECT_EQ(ok({"--depends-on", "a=b,c", "--", "app"}).depends_on, (Args{"a=b", "c"}));
}

TEST(RunOptions, Bindings) {
  for (const std::string name : {"marathon", "kubernetes", "local", "solo"})
    EXPECT_EQ(ok({"--binding", name, "--", "app"}).binding, name);
  EXPECT_EQ(fails({"--binding", "k8s", "--", "app"}),
            "ochopod run: --binding expects marathon, kubernetes, local or solo, got 'k8s'");
  EXPECT_EQ(fails({"--", "app"}, {{"ochopod_binding", "Local"}}),
            "ochopod run: ochopod_binding expects marathon, kubernetes, local or solo, got "
            "'Local'");
}

TEST(RunOptions, ZkAcls) {
  for (const std::string name : {"open", "read", "private"})
    EXPECT_EQ(ok({"--zk-acl", name, "--", "app"}).zk_acl, name);
  // None given: the binding picks (read with credentials, open without).
  EXPECT_FALSE(ok({"--", "app"}).zk_acl);
  EXPECT_EQ(fails({"--zk-acl=world", "--", "app"}),
            "ochopod run: --zk-acl expects open, read or private, got 'world'");
  EXPECT_EQ(fails({"--", "app"}, {{"ochopod_zk_acl", "READ"}}),
            "ochopod run: ochopod_zk_acl expects open, read or private, got 'READ'");
}

TEST(RunOptions, HelpEchoesNoValueFromTheEnvironment) {
  // Nothing of the environment goes into --help, secrets least of all.
  const Env env = {{"ochopod_zk", "zk://bob:s3cret@h:1"}, {"ochopod_zk_acl", "private"}};
  const auto o = ok({"--help"}, env);
  EXPECT_TRUE(o.help);
  const std::string help = run_help();
  EXPECT_EQ(help.find("s3cret"), std::string::npos);
  EXPECT_NE(help.find("--zk-acl <name>  (name, default read with credentials, else open, env "
                      "ochopod_zk_acl)"),
            std::string::npos)
      << help;
}

TEST(RunOptions, Tools) {
  EXPECT_EQ(ok({"--tool", "t=a=b", "--", "app"}).tools, Args{"t=a=b"});
  for (const std::string bad : {"noequals", "=cmd", "tag="}) {
    EXPECT_EQ(fails({"--tool", bad, "--", "app"}),
              "ochopod run: --tool expects <tag>=<command>, got '" + bad + "'");
  }
  // A comma not followed by <tag>= belongs to the command.
  EXPECT_EQ(ok({"--", "app"}, {{"ochopod_tool", "a=b,c"}}).tools, Args{"a=b,c"});
  EXPECT_EQ(fails({"--", "app"}, {{"ochopod_tool", "=c,a=b"}}),
            "ochopod run: ochopod_tool expects <tag>=<command>, got '=c'");
}

TEST(RunOptions, TemplatesAndReloads) {
  const auto o = ok({"--template", "a.tmpl:/etc/a.conf", "--template=b:c:d", "--reload-signal",
                     "SIGHUP", "--", "app"});
  EXPECT_EQ(o.templates, (Args{"a.tmpl:/etc/a.conf", "b:c:d"}));  // split at the first ':' later
  EXPECT_EQ(o.reload_signal, "SIGHUP");
  EXPECT_EQ(ok({"--template=a:b", "--on-change", "kill -HUP 1", "--", "app"}).on_change,
            "kill -HUP 1");
  EXPECT_EQ(ok({"--", "app"}, {{"ochopod_template", "a:b,c:d"}, {"ochopod_reload_signal", "usr1"}})
                .templates,
            (Args{"a:b", "c:d"}));
  for (const std::string bad : {"nocolon", ":dst", "src:"}) {
    EXPECT_EQ(fails({"--template", bad, "--", "app"}),
              "ochopod run: --template expects <src>:<dst>, got '" + bad + "'");
  }
  EXPECT_EQ(fails({"--template=a:b", "--reload-signal=SIGNOPE", "--", "app"}),
            "ochopod run: --reload-signal expects a signal name (SIGHUP, HUP) or number, got "
            "'SIGNOPE'");
  EXPECT_EQ(fails({"--on-change=true", "--", "app"}), "ochopod run: --on-change needs --template");
  EXPECT_EQ(fails({"--", "app"}, {{"ochopod_reload_signal", "HUP"}}),
            "ochopod run: --reload-signal needs --template");
  EXPECT_EQ(fails({"--template=a:b", "--on-change=true", "--reload-signal=HUP", "--", "app"}),
            "ochopod run: --on-change and --reload-signal exclude each other");
}

TEST(RunOptions, ReadyStopSignalAndDrain) {
  const auto d = ok({"--", "app"});
  EXPECT_FALSE(d.ready.has_value());
  EXPECT_FALSE(d.drain.has_value());
  EXPECT_EQ(d.stop_signal, "SIGTERM");
  for (const std::string check :
       {"tcp:8080", "http://127.0.0.1:80/ready", "cmd:test -e /tmp/x", "tcp:10.0.0.2:3"}) {
    EXPECT_EQ(ok({"--ready", check, "--", "app"}).ready, check);
  }
  EXPECT_EQ(ok({"--", "app"}, {{"ochopod_ready", "cmd:true"}}).ready, "cmd:true");
  for (const std::string bad : {"cmd:", "cmd:  ", "tcp:0", "http://db:80/", "udp:53"}) {
    EXPECT_EQ(fails({"--ready", bad, "--", "app"}),
              "ochopod run: --ready expects a --health form or cmd:<command>, got '" + bad + "'");
  }
  for (const std::string sig : {"SIGQUIT", "QUIT", "sigint", "3"})
    EXPECT_EQ(ok({"--stop-signal=" + sig, "--", "app"}).stop_signal, sig);
  EXPECT_EQ(ok({"--", "app"}, {{"ochopod_stop_signal", "SIGUSR2"}}).stop_signal, "SIGUSR2");
  EXPECT_EQ(fails({"--stop-signal", "SIGNOPE", "--", "app"}),
            "ochopod run: --stop-signal expects a signal name (SIGHUP, HUP) or number, got "
            "'SIGNOPE'");
  EXPECT_EQ(ok({"--drain", "tcp:5432", "--", "app"}).drain, "tcp:5432");
  for (const std::string bad : {"tcp:", "tcp:0", "5432", "tcp:1.2.3.4:5", "http://127.0.0.1:1/"}) {
    EXPECT_EQ(fails({"--drain", bad, "--", "app"}),
              "ochopod run: --drain expects tcp:<port 1-65535>, got '" + bad + "'");
  }
  EXPECT_EQ(fails({"--", "app"}, {{"ochopod_drain", "tcp:x"}}),
            "ochopod run: ochopod_drain expects tcp:<port 1-65535>, got 'tcp:x'");
}

TEST(RunOptions, ArgvIsKeptExactly) {
  const auto o =
      ok({"--grace", "1", "--", "sh", "-c", "echo --grace", "--", "--shell", "", "a  b", "--help"});
  EXPECT_EQ(o.argv, (Args{"sh", "-c", "echo --grace", "--", "--shell", "", "a  b", "--help"}));
  EXPECT_EQ(o.grace, 1);
  EXPECT_FALSE(o.shell);
  EXPECT_FALSE(o.help);
  EXPECT_EQ(o.given, std::set<std::string>{"grace"});
}

TEST(RunOptions, NoCommand) {
  const std::string error = "ochopod run: no command given (ochopod run [options] -- <command...>)";
  EXPECT_EQ(fails({}), error);
  EXPECT_EQ(fails({"--grace", "1"}), error);
  EXPECT_EQ(fails({"--"}), error);
}

TEST(RunOptions, HelpNeedsNoCommand) {
  EXPECT_TRUE(ok({"--help"}).help);
  EXPECT_TRUE(ok({"-h"}).help);
  const auto o = ok({"--grace", "3", "-h", "--", "app"});
  EXPECT_TRUE(o.help);
  EXPECT_EQ(o.grace, 3);
  EXPECT_FALSE(o.given.contains("help"));
  // Help does not hide other errors.
  EXPECT_EQ(fails({"--help", "--foo"}), "ochopod run: unknown option --foo");
}

TEST(RunOptions, HelpMentionsEveryOptionAndItsTwin) {
  const auto help = run_help();
  for (const auto& name : kAllOptions) {
    std::string twin = "ochopod_" + name;
    std::replace(twin.begin(), twin.end(), '-', '_');
    EXPECT_NE(help.find("--" + name + " "), std::string::npos) << name;
    EXPECT_NE(help.find("env " + twin), std::string::npos) << twin;
  }
  EXPECT_NE(help.find("--grace <duration>  (duration, default 60, env ochopod_grace)"),
            std::string::npos)
      << help;
  EXPECT_NE(help.find("--session-timeout <duration>  (duration, default 5,"), std::string::npos);
  EXPECT_NE(help.find("--shell  (flag, default off, env ochopod_shell=true|false)"),
            std::string::npos);
  EXPECT_NE(help.find("--bind <address>  (address, default 0.0.0.0,"), std::string::npos);
  EXPECT_NE(help.find("--binding <name>  (name, default auto,"), std::string::npos);
  EXPECT_NE(help.find("--cwd <path>  (path, default pod's,"), std::string::npos);
  EXPECT_NE(help.find("--help"), std::string::npos);
  EXPECT_NE(help.find("usage: ochopod run [options] -- <command...>"), std::string::npos);
}

TEST(RunOptions, LogFormatIsTextOrJsonFromEitherSide) {
  EXPECT_FALSE(ok({"--", "x"}).log_format);
  EXPECT_EQ(ok({"--log-format", "json", "--", "x"}).log_format, "json");
  EXPECT_EQ(ok({"--", "x"}, {{"ochopod_log_format", "text"}}).log_format, "text");
  EXPECT_EQ(ok({"--log-format=text", "--", "x"}, {{"ochopod_log_format", "json"}}).log_format,
            "text");
  EXPECT_EQ(fails({"--log-format=xml", "--", "x"}),
            "ochopod run: --log-format expects text or json, got 'xml'");
  EXPECT_EQ(fails({"--", "x"}, {{"ochopod_log_format", "JSON"}}),
            "ochopod run: ochopod_log_format expects text or json, got 'JSON'");
}

// fuzz_run_options: `--tool 'x=\r'` (or ochopod_tool) passed the options
// parser, whose rule only wanted a byte after '=', but CommandTool splits on
// any whitespace, found no command and threw: `ochopod run` aborted at boot
// (uncaught std::invalid_argument, SIGABRT) instead of exiting 2.
TEST(RunOptions, AToolWhoseCommandIsOnlyWhitespaceIsRefusedByTheOptions) {
  for (const std::string spec : {"x=\r", "x=\n", "x=\v\f", "x= \t\r"}) {
    const auto parsed = parse_run_options({"--tool", spec, "--", "true"}, {});
    EXPECT_FALSE(parsed.options) << "spec of " << spec.size() << " bytes accepted";
    const auto from_env = parse_run_options({"--", "true"}, {{"ochopod_tool", spec}});
    EXPECT_FALSE(from_env.options) << "ochopod_tool of " << spec.size() << " bytes accepted";
  }
  EXPECT_TRUE(parse_run_options({"--tool", "x=ls -l", "--", "true"}, {}).options);
}

}  // namespace
}  // namespace ochopod::cli
