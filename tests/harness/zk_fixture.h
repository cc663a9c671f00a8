// ZkTest: a GoogleTest fixture with a fresh, started ZkServer per test
// (about half a second), for tests that need nothing else set up.
//
//   TEST_F(ZkTest, Something) { kazoo_set(zk.connect_string(), "/x", "1"); }
#pragma once

#include <gtest/gtest.h>

#include "harness/zk_server.h"

namespace ochopod::test {

class ZkTest : public testing::Test {
 protected:
  void SetUp() override { zk.start(); }
  ZkServer zk;
};

}  // namespace ochopod::test
