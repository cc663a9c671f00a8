// What a spawn (models/child/spawn.h) tells the pod's guardian
// (runtime/process/guardian.h): the new group's watch is sent by the child
// itself before it execs, so no instant exists in which the child's program
// runs unwatched (a pod SIGKILLed then left what the program had started);
// a child whose exec failed is released by the pod. The frames are read off
// a socket pair in place of the guardian's, with each sender's pid
// (harness/recording_guardian.h): the child's pid as sender means before
// its exec, for the program it execs knows nothing of the socket
// (close-on-exec).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "harness/recording_guardian.h"
#include "models/child/spawn.h"

namespace ochopod {
namespace {

using test::RecordingGuardian;

TEST(SpawnGuardian, TheChildSendsItsGroupsWatchItselfBeforeItExecs) {
  RecordingGuardian guardian;
  detail::SpawnRequest request;
  request.argv = {"/bin/true"};
  request.null_stdin = true;
  const detail::Spawned child = detail::spawn_unwatched(request);
  int status = 0;
  ASSERT_EQ(::waitpid(child.pid, &status, 0), child.pid);
  const auto frames = guardian.frames();
  ASSERT_EQ(frames.size(), 1u) << "one watch, and no release before the caller reaps";
  EXPECT_EQ(frames[0].message, (guardian::Message{guardian::Op::watch, child.pid}));
  EXPECT_EQ(frames[0].sender, child.pid)
      << "the watch was sent by " << frames[0].sender << " (the pod is " << ::getpid()
      << "), after the exec: a pod SIGKILLed before it sent it leaves the child's group";
}

TEST(SpawnGuardian, AChildWhoseExecFailedIsReleasedByThePod) {
  // Executable, but no format the kernel knows: execve fails (ENOEXEC).
  const auto path = std::filesystem::temp_directory_path() /
                    ("ochopod-spawn-guardian-" + std::to_string(::getpid()));
  std::ofstream(path) << '\x7f' << "not a program";
  ::chmod(path.c_str(), 0755);
  RecordingGuardian guardian;
  detail::SpawnRequest request;
  request.argv = {path.string()};
  request.null_stdin = true;
  EXPECT_THROW(detail::spawn_unwatched(request), std::runtime_error);
  std::filesystem::remove(path);
  const auto frames = guardian.frames();
  ASSERT_EQ(frames.size(), 2u) << "the child's watch, then the pod's release";
  EXPECT_EQ(frames[0].message.op, guardian::Op::watch);
  EXPECT_EQ(frames[0].sender, frames[0].message.pgid) << "not sent by the child itself";
  EXPECT_EQ(frames[1].message, (guardian::Message{guardian::Op::release, frames[0].message.pgid}));
  EXPECT_EQ(frames[1].sender, ::getpid());
}

}  // namespace
}  // namespace ochopod
