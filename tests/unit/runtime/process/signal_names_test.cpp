// Signal names as options take them: one parser for every option naming a signal.
#include "runtime/process/signal_names.h"

#include <gtest/gtest.h>
#include <signal.h>

namespace ochopod {
namespace {

TEST(SignalNames, NamesWithOrWithoutSigInAnyCaseAndNumbers) {
  for (const char* text : {"SIGHUP", "HUP", "hup", "SigHup", "1"})
    EXPECT_EQ(parse_signal_name(text), SIGHUP) << text;
  EXPECT_EQ(parse_signal_name("SIGUSR1"), SIGUSR1);
  EXPECT_EQ(parse_signal_name("term"), SIGTERM);
  EXPECT_EQ(parse_signal_name("SIGWINCH"), SIGWINCH);
  EXPECT_EQ(parse_signal_name("QUIT"), SIGQUIT);
}

TEST(SignalNames, AnythingElseIsRefused) {
  for (const char* text : {"", "SIG", "SIGNOPE", "HUP ", " HUP", "0", "-1", "65", "1.0", "+1"})
    EXPECT_FALSE(parse_signal_name(text)) << "'" << text << "'";
}

TEST(SignalNames, NamesForLogs) {
  EXPECT_EQ(signal_name(SIGHUP), "SIGHUP");
  EXPECT_EQ(signal_name(SIGUSR2), "SIGUSR2");
  EXPECT_EQ(signal_name(SIGKILL), "SIGKILL");
}

TEST(SignalName, NamesWithOrWithoutSigAnyCaseAndNumbers) {
  EXPECT_EQ(parse_signal_name("SIGTERM"), SIGTERM);
  EXPECT_EQ(parse_signal_name("TERM"), SIGTERM);
  EXPECT_EQ(parse_signal_name("sigquit"), SIGQUIT);
  EXPECT_EQ(parse_signal_name("Usr1"), SIGUSR1);
  EXPECT_EQ(parse_signal_name("SIGWINCH"), SIGWINCH);
  EXPECT_EQ(parse_signal_name("9"), SIGKILL);
  EXPECT_EQ(parse_signal_name("15"), SIGTERM);
}

TEST(SignalName, AnythingElseIsRefused) {
  for (const char* bad : {"", "SIG", "SIGFOO", "TERM ", " TERM", "0", "99", "-15", "+15", "15x",
                          "SIGSIGTERM", "SIG15"}) {
    EXPECT_FALSE(parse_signal_name(bad).has_value()) << bad;
  }
}

TEST(SignalName, NamesBackWithTheirPrefix) {
  EXPECT_EQ(signal_name(SIGQUIT), "SIGQUIT");
  EXPECT_EQ(signal_name(SIGTERM), "SIGTERM");
  EXPECT_EQ(signal_name(77), "signal 77");
  for (int signo : {SIGHUP, SIGINT, SIGUSR2, SIGCONT, SIGSYS})
    EXPECT_EQ(parse_signal_name(signal_name(signo)), signo);
}

}  // namespace
}  // namespace ochopod
