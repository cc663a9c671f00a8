// spawn (models/child/spawn.h) with the request's identity and terminal: a
// child run as another user (when the tests run as root, as in the image),
// its setup's failures reported by step, and a child taking a pseudo
// terminal's foreground; and a spawn that leaves the pod's memory as it was.
#include "models/child/spawn.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace ochopod {
namespace {

// Everything the child writes, until it exits (its pipe's EOF).
std::string output_of(detail::Spawned& child) {
  std::string text;
  char buf[4096];
  for (;;) {
    pollfd p{child.out.get(), POLLIN, 0};
    if (::poll(&p, 1, 10000) <= 0) break;  // a stuck child fails the test below
    const ssize_t n = ::read(child.out.get(), buf, sizeof buf);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  int status = 0;
  ::waitpid(child.pid, &status, 0);
  return text;
}

detail::Identity nobody() {
  std::string error;
  auto identity = detail::resolve_identity("nobody", &error);
  if (!identity) throw std::runtime_error(error);
  return *identity;
}

// A fork write-protects every page of the pod, and each page the pod writes
// afterwards faults once: on a virtual machine 10 to 20 us a page, for
// every start of a child. A spawn leaves the pod's pages writable.
TEST(Spawn, LeavesThePodsPagesWritable) {
#if defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "ThreadSanitizer makes every vfork a fork";
#endif
  const auto page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  constexpr size_t kPages = 1024;
  std::vector<char> memory(kPages * page, 1);  // every page written: mapped, writable
  detail::SpawnRequest request;
  request.argv = {"/bin/true"};
  request.null_stdin = true;
  const detail::Spawned child = detail::spawn_unwatched(request);
  int status = -1;
  ASSERT_EQ(::waitpid(child.pid, &status, 0), child.pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status;
  rusage before{}, after{};
  ::getrusage(RUSAGE_THREAD, &before);
  for (size_t at = 0; at < memory.size(); at += page) memory[at] = 2;
  ::getrusage(RUSAGE_THREAD, &after);
  EXPECT_LT(after.ru_minflt - before.ru_minflt, static_cast<long>(kPages / 10))
      << "writing " << kPages << " pages the pod had written before the spawn faulted "
      << after.ru_minflt - before.ru_minflt << " times";
}

TEST(SpawnIdentity, TheChildRunsAsTheUserWithItsHome) {
  if (::geteuid() != 0) GTEST_SKIP() << "not root: cannot switch users";
  if (::getpwnam("nobody") == nullptr) GTEST_SKIP() << "no user nobody here";
  const detail::Identity user = nobody();
  detail::SpawnRequest request;
  request.argv = {"/bin/sh", "-c", "id -u; id -g; id -G; echo \"$HOME $USER $LOGNAME\""};
  request.output = detail::Output::merged;
  request.null_stdin = true;
  request.cwd = "/";
  request.identity = user;
  detail::Spawned child = detail::spawn_unwatched(request);
  const std::string expected_groups = [&] {
    std::string g;
    for (gid_t gid : user.groups) g += (g.empty() ? "" : " ") + std::to_string(gid);
    return g;
  }();
  EXPECT_EQ(output_of(child), std::to_string(user.uid) + "\n" + std::to_string(user.gid) + "\n" +
                                  expected_groups + "\n" + user.home + " nobody nobody\n");
}

TEST(SpawnIdentity, TheRequestsOwnEnvironmentWins) {
  if (::geteuid() != 0) GTEST_SKIP() << "not root: cannot switch users";
  if (::getpwnam("nobody") == nullptr) GTEST_SKIP() << "no user nobody here";
  detail::SpawnRequest request;
  request.argv = {"/bin/sh", "-c", "echo \"$HOME\""};
  request.output = detail::Output::merged;
  request.null_stdin = true;
  request.cwd = "/";
  request.identity = nobody();
  request.env = {{"HOME", "/srv"}};
  detail::Spawned child = detail::spawn_unwatched(request);
  EXPECT_EQ(output_of(child), "/srv\n");
}

TEST(SpawnIdentity, AFailedStepFailsTheSpawnAndSaysWhich) {
  if (::geteuid() != 0) GTEST_SKIP() << "not root: cannot switch users";
  if (::getpwnam("nobody") == nullptr) GTEST_SKIP() << "no user nobody here";
  // A directory only root may enter: the child, already nobody, cannot.
  const auto dir = std::filesystem::temp_directory_path() /
                   ("ochopod-spawn-identity-" + std::to_string(::getpid()));
  std::filesystem::create_directory(dir);
  ::chmod(dir.c_str(), 0700);
  detail::SpawnRequest request;
  request.argv = {"/bin/true"};
  request.cwd = dir.string();
  request.identity = nobody();
  try {
    detail::spawn_unwatched(request);
    ADD_FAILURE() << "nobody entered a 0700 directory of root's";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("as nobody (uid "), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("chdir failed: Permission denied"), std::string::npos)
        << e.what();
  }
  std::filesystem::remove(dir);
}

// In a forked helper that owns a new session with a pseudo terminal as its
// controlling terminal on stdin: with foreground, the child's group becomes
// the terminal's foreground group; without, the terminal stays the helper's.
// The helper's exit code says what happened.
int terminal_foreground_after_spawn(bool foreground) {
  const int master = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0 || ::grantpt(master) != 0 || ::unlockpt(master) != 0) return -1;
  char name[128];
  if (::ptsname_r(master, name, sizeof name) != 0) return -1;
  const pid_t helper = ::fork();
  if (helper == 0) {
    ::setsid();
    const int slave = ::open(name, O_RDWR);  // becomes the session's terminal
    if (slave < 0 || ::dup2(slave, STDIN_FILENO) < 0) ::_exit(10);
    try {
      detail::SpawnRequest request;
      request.argv = {"/bin/sleep", "30"};
      request.foreground = foreground;
      detail::Spawned child = detail::spawn_unwatched(request);
      const pid_t owner = ::tcgetpgrp(STDIN_FILENO);
      ::kill(child.pid, SIGKILL);
      ::waitpid(child.pid, nullptr, 0);
      if (owner == child.pid) ::_exit(0);
      ::_exit(owner == ::getpgrp() ? 1 : 12);
    } catch (...) {
      ::_exit(11);
    }
  }
  int status = 0;
  ::waitpid(helper, &status, 0);
  ::close(master);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -2;
}

TEST(SpawnTerminal, AForegroundChildTakesThePodsTerminal) {
  EXPECT_EQ(terminal_foreground_after_spawn(true), 0)
      << "0: the child's group; 1: still the pod's; 10/11: helper failed";
  EXPECT_EQ(terminal_foreground_after_spawn(false), 1)
      << "0: the child's group; 1: still the pod's; 10/11: helper failed";
}

}  // namespace
}  // namespace ochopod
