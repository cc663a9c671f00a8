// The guardian's pure parts (issue 30): its frames and the set of groups it
// would kill. The process itself is tested in
// tests/integration/run_guardian_test.cpp.
#include "runtime/process/guardian.h"

#include <gtest/gtest.h>

#include <set>

namespace ochopod::guardian {
namespace {

TEST(GuardianFrame, RoundTripsBothOps) {
  for (const Message m : {Message{Op::watch, 4242}, Message{Op::release, 2147483647}}) {
    const auto frame = encode(m);
    ASSERT_EQ(frame.size(), kMessageSize);
    EXPECT_EQ(decode(frame.data(), frame.size()), m);
  }
}

TEST(GuardianFrame, RefusesWrongSizesUnknownOpsAndGroupsThatMeanEverything) {
  auto frame = encode({Op::watch, 100});
  EXPECT_FALSE(decode(frame.data(), frame.size() - 1));
  EXPECT_FALSE(decode(nullptr, kMessageSize));
  unsigned char longer[kMessageSize + 1] = {};
  std::copy(frame.begin(), frame.end(), longer);
  EXPECT_FALSE(decode(longer, sizeof longer));
  frame[0] = 9;  // op 9
  EXPECT_FALSE(decode(frame.data(), frame.size()));
  // kill(-1) is every process we may signal, kill(-0) our own group.
  for (pid_t pgid : {1, 0, -5}) {
    const auto bad = encode({Op::watch, pgid});
    EXPECT_FALSE(decode(bad.data(), bad.size())) << pgid;
  }
}

TEST(GuardianWatchSet, AWatchedGroupIsKeptUntilReleasedAndEmpty) {
  WatchSet set;
  std::set<pid_t> live{10, 20};
  const auto exists = [&](pid_t pgid) { return live.count(pgid) > 0; };
  set.apply({Op::watch, 10});
  set.apply({Op::watch, 20});
  live.erase(10);
  set.sweep(exists);
  // Not released: its leader is not reaped, whatever kill() says.
  EXPECT_EQ(set.groups(), (std::vector<pid_t>{10, 20}));
  EXPECT_FALSE(set.pending());
  set.apply({Op::release, 10});
  set.apply({Op::release, 20});  // a background process still in it
  set.sweep(exists);
  EXPECT_EQ(set.groups(), std::vector<pid_t>{20});
  EXPECT_TRUE(set.pending()) << "20 must be looked at again";
  live.erase(20);
  set.sweep(exists);
  EXPECT_TRUE(set.groups().empty());
  EXPECT_FALSE(set.pending());
}

TEST(GuardianWatchSet, AReusedPgidWatchedAgainBeforeItsOldReleaseStaysWatched) {
  WatchSet set;
  const auto exists = [](pid_t) { return false; };
  set.apply({Op::watch, 30});
  set.apply({Op::watch, 30});    // a new spawn got the number back
  set.apply({Op::release, 30});  // the old group's release, late
  set.sweep(exists);
  EXPECT_EQ(set.groups(), std::vector<pid_t>{30});
  set.apply({Op::release, 30});
  set.sweep(exists);
  EXPECT_TRUE(set.groups().empty());
}

TEST(GuardianWatchSet, AReleaseOfAnUnknownGroupChangesNothing) {
  WatchSet set;
  set.apply({Op::release, 40});
  set.apply({Op::watch, 41});
  set.apply({Op::release, 41});
  set.apply({Op::release, 41});  // one too many: never below zero
  set.apply({Op::watch, 41});
  set.sweep([](pid_t) { return false; });
  EXPECT_EQ(set.groups(), std::vector<pid_t>{41});
}

}  // namespace
}  // namespace ochopod::guardian
