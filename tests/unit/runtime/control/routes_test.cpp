// The control port's paths: which endpoint each names, the methods each
// takes, and what a /control path says (task, timeout, /metrics label).
#include "runtime/control/routes.h"

#include <gtest/gtest.h>

#include "runtime/control/request.h"

namespace ochopod {
namespace {

constexpr Probes kBoth{true, true};

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

TEST(ControlPath, WithoutATaskSegmentIs404) {
  for (const char* path : {"/control", "/controlx/on", "/info", ""}) {
    EXPECT_EQ(parse_control_path(path).error, 404) << path;
  }
}

TEST(ControlPath, EveryTaskIsAcceptedAndLabelledAsItself) {
  for (const auto task : kControlTasks) {
    const auto p = parse_control_path("/control/" + std::string(task) + "/5");
    EXPECT_EQ(p.error, 0) << task;
    EXPECT_EQ(p.label(), task);
  }
}

TEST(ControlPath, TheMetricsLabelNeverTakesAClientsWord) {
  EXPECT_EQ(parse_control_path("/control").label(), "unknown");
  EXPECT_EQ(parse_control_path("/control/").label(), "unknown");
  EXPECT_EQ(parse_control_path("/control/drop-tables").label(), "unknown");
  EXPECT_EQ(parse_control_path("/control/on/bad-timeout").label(), "on")
      << "a known task with a bad timeout is still counted under its task";
}

TEST(Routes, PathsNameTheirEndpoints) {
  EXPECT_EQ(endpoint_of("/info", kBoth), Endpoint::kInfo);
  EXPECT_EQ(endpoint_of("/log", kBoth), Endpoint::kLog);
  EXPECT_EQ(endpoint_of("/metrics", kBoth), Endpoint::kMetrics);
  EXPECT_EQ(endpoint_of("/reset", kBoth), Endpoint::kReset);
  EXPECT_EQ(endpoint_of("/exec", kBoth), Endpoint::kExec);
  EXPECT_EQ(endpoint_of("/control", kBoth), Endpoint::kControl);
  EXPECT_EQ(endpoint_of("/control/on/5", kBoth), Endpoint::kControl);
  EXPECT_EQ(endpoint_of("/healthz", kBoth), Endpoint::kHealthz);
  EXPECT_EQ(endpoint_of("/readyz", kBoth), Endpoint::kReadyz);
  for (const char* unknown : {"/", "", "/controlx", "/info/", "/INFO", "/exec/x"}) {
    EXPECT_EQ(endpoint_of(unknown, kBoth), Endpoint::kUnknown) << unknown;
  }
}

TEST(Routes, AProbeWithoutItsHandlerIsNoEndpoint) {
  EXPECT_EQ(endpoint_of("/healthz", Probes{false, true}), Endpoint::kUnknown);
  EXPECT_EQ(endpoint_of("/readyz", Probes{true, false}), Endpoint::kUnknown);
  EXPECT_TRUE(is_probe(Endpoint::kHealthz));
  EXPECT_TRUE(is_probe(Endpoint::kReadyz));
  EXPECT_FALSE(is_probe(Endpoint::kInfo));
  EXPECT_FALSE(is_probe(Endpoint::kUnknown));
}

TEST(Routes, EachEndpointTakesItsMethods) {
  struct Row {
    Endpoint endpoint;
    bool get, head, post;
  };
  const Row rows[] = {
      {Endpoint::kHealthz, true, true, false},   {Endpoint::kReadyz, true, true, false},
      {Endpoint::kMetrics, true, false, false},  {Endpoint::kInfo, true, false, true},
      {Endpoint::kLog, true, false, true},       {Endpoint::kReset, false, false, true},
      {Endpoint::kExec, false, false, true},     {Endpoint::kControl, false, false, true},
      {Endpoint::kUnknown, false, false, false},
  };
  for (const auto& r : rows) {
    const int e = static_cast<int>(r.endpoint);
    EXPECT_EQ(accepts(r.endpoint, Method::kGet), r.get) << e;
    EXPECT_EQ(accepts(r.endpoint, Method::kHead), r.head) << e;
    EXPECT_EQ(accepts(r.endpoint, Method::kPost), r.post) << e;
    EXPECT_FALSE(accepts(r.endpoint, Method::kOther)) << e;
  }
}

TEST(Routes, TimeoutsAreFiniteDecimalsUpToADay) {
  EXPECT_EQ(parse_timeout_seconds("0"), 0);
  EXPECT_EQ(parse_timeout_seconds("86400"), 86400);
  EXPECT_EQ(parse_timeout_seconds("1.5"), 1.5);
  for (const char* bad : {"", "-1", "86400.5", "nan", "inf", "1s"}) {
    EXPECT_FALSE(parse_timeout_seconds(bad)) << bad;
  }
}

TEST(ControlTasks, AreTheProtocolsSix) {
  for (const char* task : {"check", "on", "off", "ok", "kill", "signal"}) {
    EXPECT_TRUE(is_control_task(task)) << task;
  }
  for (const char* other : {"", "ON", "reset", "on "})
    EXPECT_FALSE(is_control_task(other)) << other;
}

}  // namespace
}  // namespace ochopod
