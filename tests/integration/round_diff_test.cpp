// A round's check sent as what changed (body_diff.h), between a real leader's
// round and real control servers: the pods that kept the last round's body
// get a diff and read the very cluster a whole body gives; a pod that joined,
// one that lost its body and a Python pod get the body whole; the round
// completes either way.
#include <gtest/gtest.h>
#include <httplib.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "harness/wait.h"
#include "models/reactive/round.h"
#include "runtime/control/server.h"
#include "runtime/http/client.h"

namespace ochopod::test {
namespace {

using nlohmann::json;

// One of our pods' control ports, recording the cluster each check gave it.
class OurPod {
 public:
  OurPod() {
    ControlHandlers handlers;
    handlers.control = [this](ControlRequest r, std::chrono::duration<double>,
                              Responder responder) {
      if (r.task == "check" && r.body.has_pods()) {
        const Cluster cluster =
            r.body.cluster() ? *r.body.cluster() : Cluster::from_payload(*r.body);
        std::lock_guard<std::mutex> lock(mu_);
        checks_.push_back(cluster);
      }
      responder.reply(200, json::object());
    };
    ControlServer::Options options;
    options.bind = "127.0.0.1";
    options.port = 0;
    server_ = std::make_unique<ControlServer>(options, std::move(handlers));
    std::string error;
    EXPECT_TRUE(server_->start(&error)) << error;
  }
  json registration(int n) const { return registration_of(server_->port(), n); }
  std::vector<Cluster> checks() {
    std::lock_guard<std::mutex> lock(mu_);
    return checks_;
  }
  int port() const { return server_->port(); }

  // A registration large enough for its cluster's bodies to be kept
  // (PayloadCache::kMinCached).
  static json registration_of(int port, int n) {
    return {{"ip", "127.0.0.1"},
            {"port", "8080"},
            {"ports", {{"8080", port}}},
            {"seq", n},
            {"padding", std::string(1200, 'p')}};
  }

 private:
  std::mutex mu_;
  std::vector<Cluster> checks_;
  std::unique_ptr<ControlServer> server_;  // last: stopped before what it calls
};

// A Python pod: 200 to everything, and nothing about bodies.
class PythonPod {
 public:
  PythonPod() {
    server_.Post(R"(/control/.*)", [this](const httplib::Request& req, httplib::Response& res) {
      res.set_content("{}", "application/json");
      std::lock_guard<std::mutex> lock(mu_);
      bodies_.push_back(req.body);
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~PythonPod() {
    server_.stop();
    thread_.join();
  }
  PythonPod(const PythonPod&) = delete;
  PythonPod& operator=(const PythonPod&) = delete;
  bool started() {
    return port_ > 0 && wait_until([this] { return server_.is_running(); },
                                   std::chrono::seconds(10), "the Python pod's server to start");
  }
  json registration(int n) const { return OurPod::registration_of(port_, n); }
  std::vector<std::string> bodies() {
    std::lock_guard<std::mutex> lock(mu_);
    return bodies_;
  }

 private:
  std::mutex mu_;
  std::vector<std::string> bodies_;
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
};

void expect_checked_with(OurPod& pod, const std::string& key, const json& pods) {
  const auto checks = pod.checks();
  ASSERT_FALSE(checks.empty()) << key << " got no check";
  const Cluster& c = checks.back();
  EXPECT_EQ(c.key, key);
  EXPECT_EQ(c.size, static_cast<int>(pods.size()));
  EXPECT_EQ(c.pods(), pods) << key << " read another cluster";
  int index = 0;
  for (auto it = pods.begin(); it != pods.end() && it.key() != key; ++it) ++index;
  EXPECT_EQ(c.index, index) << key;
  EXPECT_EQ(c.seq, pods.at(key).at("seq").get<int64_t>()) << key;
}

TEST(RoundDiff, PodsThatKeptTheLastBodyGetWhatChangedAndReadTheSameCluster) {
  std::map<std::string, std::unique_ptr<OurPod>> ours;
  for (const char* key : {"a", "b", "c", "d", "e"}) ours[key] = std::make_unique<OurPod>();
  PythonPod python;
  ASSERT_TRUE(python.started());
  RoundPlan plan;
  plan.grace = std::chrono::seconds(5);
  plan.base = std::make_shared<RoundBase>();
  int n = 0;
  for (auto& [key, pod] : ours) plan.pods[key] = pod->registration(n++);
  plan.pods["p"] = python.registration(n++);

  RoundResult first = run_round(plan);
  ASSERT_TRUE(first.ok) << first.error;
  EXPECT_EQ(first.checks_as_diff, 0u) << "a diff with nothing to diff against";
  EXPECT_EQ(plan.base->holders, (std::set<std::string>{"a", "b", "c", "d", "e"}))
      << "our pods did not all say they kept the body, or the Python pod did";
  for (auto& [key, pod] : ours) expect_checked_with(*pod, key, plan.pods);

  // e leaves, f joins, b's registration changes.
  ours.erase("e");
  plan.pods.erase("e");
  ours["f"] = std::make_unique<OurPod>();
  plan.pods["f"] = ours["f"]->registration(n++);
  plan.pods["b"]["seq"] = 42;
  RoundResult second = run_round(plan);
  ASSERT_TRUE(second.ok) << second.error;
  EXPECT_EQ(second.checks_as_diff, 4u) << "a to d kept the last body: their checks as diffs";
  for (auto& [key, pod] : ours) expect_checked_with(*pod, key, plan.pods);
  const auto python_bodies = python.bodies();
  ASSERT_FALSE(python_bodies.empty());
  const json last = json::parse(python_bodies.back());
  EXPECT_EQ(last.at("pods"), plan.pods) << "the Python pod did not get the whole body";

  // a loses its body (an operator's check in between replaces it): 412,
  // then the body whole; the round completes and the others take diffs.
  HttpRequest operators;
  operators.path = "/control/check/5";
  operators.body = "{}";
  ASSERT_EQ(http_send("127.0.0.1", ours["a"]->port(), operators).status, 200);
  plan.pods["c"]["seq"] = 43;
  RoundResult third = run_round(plan);
  ASSERT_TRUE(third.ok) << third.error;
  EXPECT_EQ(third.checks_as_diff, 4u) << "b, c, d, f as diffs; a whole after its 412";
  for (auto& [key, pod] : ours) expect_checked_with(*pod, key, plan.pods);
  EXPECT_EQ(plan.base->holders.size(), 5u);
}

}  // namespace
}  // namespace ochopod::test
