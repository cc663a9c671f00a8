#include "runtime/control/server.h"

#include <gtest/gtest.h>

namespace ochopod {
namespace {

TEST(ControlPath, TaskAndOptionalTimeout) {
  auto p = parse_control_path("/control/on");
  EXPECT_EQ(p.error, 0);
  EXPECT_EQ(p.task, "on");
  EXPECT_EQ(p.timeout_seconds, 60);
  p = parse_control_path("/control/check/2.5");
  EXPECT_EQ(p.error, 0);
  EXPECT_EQ(p.task, "check");
  EXPECT_DOUBLE_EQ(p.timeout_seconds, 2.5);
}

TEST(ControlPath, UnknownTasksAndBadTimeoutsAre400) {
  for (const char* bad :
       {"/control/explode", "/control/", "/control/on/x", "/control/on/1x", "/control/on/-1",
        "/control/on/nan", "/control/on/inf", "/control/on/1e9"}) {
    EXPECT_EQ(parse_control_path(bad).error, 400) << bad;
  }
}

}  // namespace
}  // namespace ochopod
