// RunLifeCycle and RunModel: what `ochopod run`'s options make of the pod,
// for the parts that run no command (those run in tests/integration/run_*).
#include "models/piped/run_lifecycle.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace ochopod {
namespace {

using Seconds = std::chrono::duration<double>;

Cluster cluster(nlohmann::json dependencies = nlohmann::json::object()) {
  return Cluster::from_payload(nlohmann::json{{"key", "pod-0"},
                                              {"pods", {{"pod-0", {{"seq", 0}}}}},
                                              {"dependencies", std::move(dependencies)}});
}

TEST(RunLifeCycle, TakesPipedsKnobsFromTheSpec) {
  RunSpec spec;
  spec.check_every = 5;
  spec.checks = 3;
  spec.grace = 7;
  spec.restart_backoff = 0;
  spec.shell = spec.strict = spec.soft = spec.pipe = true;
  spec.cwd = "/srv";
  const Environment env;
  RunLifeCycle lifecycle(spec, nullptr, env);
  EXPECT_EQ(lifecycle.check_every, Seconds(5));
  EXPECT_EQ(lifecycle.checks, 3);
  EXPECT_EQ(lifecycle.grace, Seconds(7));
  EXPECT_EQ(lifecycle.restart_backoff, Seconds(0));
  EXPECT_TRUE(lifecycle.shell && lifecycle.strict && lifecycle.soft && lifecycle.pipe_subprocess);
  EXPECT_EQ(lifecycle.cwd, "/srv");
}

TEST(RunLifeCycle, ConfiguresTheArgvExactlyAsGiven) {
  RunSpec spec;
  spec.argv = {"redis-server", "--port", "6379", "a b"};
  const Environment env;
  RunLifeCycle lifecycle(spec, nullptr, env);
  const Configuration config = lifecycle.configure(cluster());
  ASSERT_TRUE(config.argv);
  EXPECT_EQ(*config.argv, spec.argv);
}

TEST(RunLifeCycle, WithoutChecksTheChildIsReadyDrainedAndSane) {
  const RunSpec spec;
  const Environment env;
  RunLifeCycle lifecycle(spec, nullptr, env);
  EXPECT_TRUE(lifecycle.ready(Process{1}));
  EXPECT_TRUE(lifecycle.drained(Process{1}));
  EXPECT_FALSE(lifecycle.sanity_check(Process{1}));
}

TEST(RunLifeCycle, RestartsForNewDependenciesUnlessItReloads) {
  RunSpec spec;
  const Environment env;
  RunLifeCycle plain(spec, nullptr, env);
  const Process process{1};
  EXPECT_FALSE(plain.reconfigure(cluster(), &process, true));
  EXPECT_TRUE(plain.reconfigure(cluster(), &process, false));
  spec.reload_signal = 1;  // SIGHUP; no templates, so nothing to reload
  RunLifeCycle reloads(spec, nullptr, env);
  EXPECT_TRUE(reloads.reconfigure(cluster(), &process, true));
}

TEST(RunModel, TakesReactivesKnobsFromTheSpec) {
  RunSpec spec;
  spec.damper = 2;
  spec.depends_on = {"db"};
  spec.full_shutdown = spec.sequential = true;
  spec.control_timeout = 30;
  spec.probe_every = 9;
  RunModel model(spec);
  EXPECT_EQ(model.damper, Seconds(2));
  EXPECT_EQ(model.depends_on, std::vector<std::string>{"db"});
  EXPECT_TRUE(model.full_shutdown && model.sequential);
  EXPECT_EQ(model.control_timeout, Seconds(30));
  EXPECT_EQ(model.probe_every, Seconds(9));
  EXPECT_EQ(model.probe(cluster()), std::nullopt) << "no --probe: no status";
}

}  // namespace
}  // namespace ochopod
