// Test entry point: blocks the pod's signals before any thread exists, as the
// pod's own main does, so SignalThread sees every SIGCHLD.
#include <gtest/gtest.h>

#include <csignal>

#include "runtime/process/signals.h"

int main(int argc, char** argv) {
  ochopod::SignalThread::block_signals();
  // Tests are HTTP clients too: a pod closing a refused upload must fail the
  // write, not kill the test.
  std::signal(SIGPIPE, SIG_IGN);
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
