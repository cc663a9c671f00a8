// Deadline-based waiting for tests: never a bare sleep.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <exception>
#include <functional>
#include <string>
#include <thread>

namespace ochopod::test {

using namespace std::chrono_literals;

// Polls pred every 20 ms until it holds or the deadline passes. On failure the
// message says what did not happen and after how long.
inline testing::AssertionResult wait_until(const std::function<bool()>& pred,
                                           std::chrono::milliseconds deadline,
                                           const std::string& what) {
  const auto start = std::chrono::steady_clock::now();
  while (true) {
    if (pred()) return testing::AssertionSuccess();
    if (std::chrono::steady_clock::now() - start > deadline) {
      return testing::AssertionFailure()
             << "timed out after " << deadline.count() << " ms waiting for: " << what;
    }
    std::this_thread::sleep_for(20ms);
  }
}

// Watches a quiet window: pred must stay false for the whole window.
inline testing::AssertionResult stays_false(const std::function<bool()>& pred,
                                            std::chrono::milliseconds window,
                                            const std::string& what) {
  const auto start = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - start < window) {
    if (pred()) return testing::AssertionFailure() << "happened but should not have: " << what;
    std::this_thread::sleep_for(20ms);
  }
  return testing::AssertionSuccess();
}

// Wraps a predicate so that an exception counts as "not yet" (e.g. a kazoo
// check while ZooKeeper restarts): wait_until(ignoring_errors(pred), ...).
inline std::function<bool()> ignoring_errors(std::function<bool()> pred) {
  return [pred = std::move(pred)]() {
    try {
      return pred();
    } catch (const std::exception&) {
      return false;
    }
  };
}

}  // namespace ochopod::test
