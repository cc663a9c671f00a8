#include "runtime/base/wait_status.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

namespace ochopod {
namespace {

TEST(WaitStatus, DescribesAnExitASignalAndALostStatus) {
  EXPECT_EQ(describe_wait_status(W_EXITCODE(0, 0)), "exit code 0");
  EXPECT_EQ(describe_wait_status(W_EXITCODE(3, 0)), "exit code 3");
  EXPECT_EQ(describe_wait_status(W_EXITCODE(0, SIGKILL)), "signal 9 (Killed)");
  EXPECT_EQ(describe_wait_status(-1), "unknown status");
  EXPECT_EQ(describe_wait_status(W_STOPCODE(SIGSTOP)),
            "wait status " + std::to_string(W_STOPCODE(SIGSTOP)));
}

TEST(WaitStatus, ShellExitCodeIsTheCodeOr128PlusTheSignal) {
  EXPECT_EQ(shell_exit_code(W_EXITCODE(0, 0)), 0);
  EXPECT_EQ(shell_exit_code(W_EXITCODE(255, 0)), 255);
  EXPECT_EQ(shell_exit_code(W_EXITCODE(0, SIGKILL)), 137);
  EXPECT_EQ(shell_exit_code(W_EXITCODE(0, SIGTERM)), 143);
  EXPECT_EQ(shell_exit_code(W_EXITCODE(0, SIGSEGV) | WCOREFLAG), 139) << "a core dump too";
  EXPECT_FALSE(shell_exit_code(-1)) << "a lost status says nothing";
  EXPECT_FALSE(shell_exit_code(W_STOPCODE(SIGSTOP)));
}

TEST(WaitStatus, AgreesWithARealChild) {
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) ::_exit(42);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_EQ(shell_exit_code(status), 42);
  EXPECT_EQ(describe_wait_status(status), "exit code 42");
}

}  // namespace
}  // namespace ochopod
