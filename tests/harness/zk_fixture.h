// ZkTest: a GoogleTest fixture with a fresh, started ZkServer per test
// (about half a second), for tests that need nothing else set up, and a
// session of our own client on it for those that drive one.
//
//   TEST_F(ZkTest, Something) { kazoo_set(zk.connect_string(), "/x", "1"); }
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <utility>

#include "harness/zk_server.h"
#include "runtime/zk/address.h"
#include "runtime/zk/session.h"

namespace ochopod::test {

class ZkTest : public testing::Test {
 protected:
  void SetUp() override { zk.start(); }

  // A session of our own client on this test's server, driven from the
  // test's thread; its events go to sink, on the client's thread. Null, and
  // the test failed saying why, when the client refuses.
  std::unique_ptr<ZkSession> open_session(std::chrono::milliseconds timeout, ZkSession::Sink sink) {
    std::string error;
    const auto address = parse_zk_address(zk.connect_string(), &error);
    std::unique_ptr<ZkSession> session;
    if (address) session = ZkSession::open(*address, timeout, std::move(sink), &error);
    if (!session) ADD_FAILURE() << "no session on " << zk.connect_string() << ": " << error;
    return session;
  }

  ZkServer zk;
};

}  // namespace ochopod::test
