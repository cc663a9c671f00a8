// SignalThread's loop survives a failing poll (issue 10: a poll failure used
// to end the signal thread silently: no more reaping, no SIGTERM handling).
#include "runtime/process/signals.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>

#include "harness/wait.h"

namespace ochopod {
namespace {

using namespace std::chrono_literals;

std::atomic<int> failures_left{0};

int failing_poll(pollfd* fds, nfds_t n, int timeout) {
  if (failures_left.fetch_sub(1) > 0) {
    errno = ENOMEM;
    return -1;
  }
  return ::poll(fds, n, timeout);
}

TEST(SignalThread, AFailingPollIsLoggedAndRetriedAndReapingGoesOn) {
  auto ring = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(256);
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>("signal-test", ring));
  failures_left = 3;
  Reaper reaper;
  std::mutex mu;
  std::optional<int> status;
  {
    SignalThread signals(
        reaper, [](int) {}, {}, failing_poll);
    ASSERT_TRUE(test::wait_until([] { return failures_left.load() < 0; }, 5s,
                                 "the fake poll failing three times"));
    {
      auto lock = reaper.spawn_lock();
      const pid_t pid = ::fork();
      ASSERT_GE(pid, 0);
      if (pid == 0) ::_exit(7);
      reaper.watch_locked(pid, [&](pid_t, int s) {
        std::lock_guard<std::mutex> guard(mu);
        status = s;
      });
    }
    EXPECT_TRUE(test::wait_until(
        [&] {
          std::lock_guard<std::mutex> guard(mu);
          return status.has_value();
        },
        5s, "the child reaped after the poll failures"));
  }
  spdlog::set_default_logger(previous);
  ASSERT_TRUE(status.has_value());
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 7);
  bool logged = false;
  for (const auto& line : ring->last_formatted()) {
    if (line.find("poll failed") != std::string::npos) logged = true;
  }
  EXPECT_TRUE(logged) << "the poll failure was not logged";
}

}  // namespace
}  // namespace ochopod
