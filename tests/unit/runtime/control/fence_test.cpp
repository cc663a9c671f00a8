// The control port's fence (docs/protocol.md 7, "A fenced leader"): what a
// header says, and the rule that refuses a leader older than one already
// accepted.
#include "runtime/control/fence.h"

#include <gtest/gtest.h>

#include <string>

namespace ochopod {
namespace {

TEST(Fence, ParsesTheWholeTextAsADecimalUint64) {
  EXPECT_EQ(parse_fence("0"), 0u);
  EXPECT_EQ(parse_fence("4294967311"), 4294967311u);
  EXPECT_EQ(parse_fence("18446744073709551615"), UINT64_MAX);
  for (const char* bad :
       {"", " 1", "1 ", "+1", "-1", "0x10", "1.0", "abc", "12a", "18446744073709551616"}) {
    EXPECT_FALSE(parse_fence(bad)) << "'" << bad << "'";
  }
}

TEST(FenceGate, ALowerFenceIsRefusedAnEqualOrHigherOneTakenAndNoneLeftAlone) {
  FenceGate gate;
  auto v = gate.admit(std::string_view("100"));
  EXPECT_EQ(v.status, 200);
  EXPECT_EQ(v.fence, 100u);
  EXPECT_EQ(v.highest, 100u);
  // One leader sends many requests with one fence.
  EXPECT_EQ(gate.admit(std::string_view("100")).status, 200);
  v = gate.admit(std::string_view("99"));
  EXPECT_EQ(v.status, 409);
  EXPECT_EQ(v.fence, 99u);
  EXPECT_EQ(v.highest, 100u);
  EXPECT_EQ(gate.highest(), 100u) << "a refused fence changes nothing";
  // No header (a Python leader, an operator): passes, whatever the highest.
  v = gate.admit(std::nullopt);
  EXPECT_EQ(v.status, 200);
  EXPECT_FALSE(v.fence);
  EXPECT_EQ(v.highest, 100u);
  // A newer leader.
  v = gate.admit(std::string_view("250"));
  EXPECT_EQ(v.status, 200);
  EXPECT_EQ(gate.highest(), 250u);
  EXPECT_EQ(gate.admit(std::string_view("100")).status, 409);
}

TEST(FenceGate, AHeaderThatIsNotAFenceIs400AndChangesNothing) {
  FenceGate gate;
  ASSERT_EQ(gate.admit(std::string_view("7")).status, 200);
  for (const char* bad : {"", "seven", "-8", "8.0", "99999999999999999999"}) {
    const auto v = gate.admit(std::string_view(bad));
    EXPECT_EQ(v.status, 400) << "'" << bad << "'";
    EXPECT_FALSE(v.fence);
  }
  EXPECT_EQ(gate.highest(), 7u);
}

TEST(FenceGate, AHistoryThatStartedOverRestartsTheFencesBelowTheNewRegistration) {
  FenceGate gate;
  ASSERT_EQ(gate.admit(std::string_view("5000")).status, 200);
  // A registration newer than every fence taken: the same history.
  EXPECT_FALSE(gate.restart_below(6000));
  EXPECT_FALSE(gate.restart_below(5000));
  EXPECT_EQ(gate.admit(std::string_view("40")).status, 409);
  // Our new node's czxid is below a fence we took: ZooKeeper started over,
  // and its first leader's small fence must pass.
  EXPECT_TRUE(gate.restart_below(30));
  EXPECT_EQ(gate.highest(), 0u);
  EXPECT_EQ(gate.admit(std::string_view("40")).status, 200);
  EXPECT_EQ(gate.admit(std::string_view("39")).status, 409);
}

}  // namespace
}  // namespace ochopod
