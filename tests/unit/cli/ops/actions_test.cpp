// What the operator subcommands make of a pod's answers: the JOBS cell of
// `ochopod info` from /info's "jobs", and the table leaving that column out
// when no pod has jobs.
#include "cli/ops/actions.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/ops/report.h"

namespace ochopod::cli {
namespace {

using nlohmann::json;

TEST(JobsCell, EachJobAsNameStateAndRestarts) {
  const json info = json::parse(R"({"process": "running", "jobs": {
      "logs": {"state": "running", "pid": 12, "restarts": 2},
      "cache": {"state": "stopped", "pid": 0, "restarts": 0}}})");
  EXPECT_EQ(jobs_cell(info), "cache:stopped(0) logs:running(2)");
}

TEST(JobsCell, NothingWithoutJobsAndNoThrowOnOddShapes) {
  EXPECT_EQ(jobs_cell(json::parse(R"({"process": "running"})")), "");
  EXPECT_EQ(jobs_cell(json::parse(R"({"jobs": {}})")), "");
  EXPECT_EQ(jobs_cell(json::parse(R"({"jobs": []})")), "");
  EXPECT_EQ(jobs_cell(json::parse(R"({"jobs": {"a": 3, "b": {"state": "running"}}})")),
            "a:? b:running");
}

PodRecord pod(int seq) {
  PodRecord p;
  p.cluster = "shop.web";
  p.seq = seq;
  p.uuid = "uuid-" + std::to_string(seq);
  return p;
}

PodResult answered(std::vector<std::string> cells) {
  PodResult r;
  r.ok = true;
  r.cells = std::move(cells);
  return r;
}

const PodReportStyle kInfo{{"STATE", "PROCESS", "STATUS", "ADDRESS", "JOBS"}, false, true};

TEST(RenderPods, TheJobsColumnOnlyWhenAPodHasJobs) {
  const std::vector<PodRecord> pods = {pod(0), pod(1)};
  PodResult silent;
  silent.error = "no answer (refused)";
  const std::string without = render_pods(
      pods, {answered({"leader", "running", "", "1.2.3.4:8080", ""}), silent}, kInfo, false);
  EXPECT_EQ(without.find("JOBS"), std::string::npos) << without;
  EXPECT_NE(without.find("ADDRESS"), std::string::npos) << without;

  const std::string with =
      render_pods(pods,
                  {answered({"leader", "running", "", "1.2.3.4:8080", ""}),
                   answered({"follower", "running", "", "1.2.3.5:8080", "logs:running(0)"})},
                  kInfo, false);
  EXPECT_NE(with.find("JOBS"), std::string::npos) << with;
  EXPECT_NE(with.find("1.2.3.5:8080  logs:running(0)\n"), std::string::npos) << with;
}

}  // namespace
}  // namespace ochopod::cli
