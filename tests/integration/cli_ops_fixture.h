// Fixtures for the operator subcommands' tests (cli_ops_test.cpp): running the
// built `ochopod` binary against a real ZooKeeper and real `ochopod run` pods,
// and reading back its exit code, its table and its JSON.
//
// CliOps shares one ZooKeeper and a live two-cluster setup between the
// read-only tests (local.web: 2 pods whose leader probes "all good", local.db:
// 1 pod). CliOpsLive (a ZkTest) gives the tests that change pods (off, on,
// kill...) or silence them a fresh ZooKeeper each.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "harness/cluster_probe.h"
#include "harness/run_capture.h"
#include "harness/zk_fixture.h"

namespace ochopod::test {

using namespace std::chrono_literals;

struct CliRun {
  int code = -1;  // exit code; -1 if it did not exit by itself
  std::string out;
  std::string err;
  std::chrono::milliseconds took{0};
  nlohmann::json json() const { return nlohmann::json::parse(out, nullptr, false); }
};

// Runs argv (argv[0] a path) to completion within 60 s.
inline CliRun run_cli(const std::vector<std::string>& argv) {
  const auto start = std::chrono::steady_clock::now();
  const RunResult r = run_capture(argv, 60s);
  CliRun out;
  out.took = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - start);
  if (r.status && WIFEXITED(*r.status)) out.code = WEXITSTATUS(*r.status);
  out.out = r.out;
  out.err = r.err;
  return out;
}

// `ochopod <args[0]> --zk=<zk> <args[1]...>`.
inline CliRun ochopod_ops(const std::string& zk, std::vector<std::string> args) {
  args.insert(args.begin() + (args.empty() ? 0 : 1), "--zk=" + zk);
  args.insert(args.begin(), OCHOPOD_BIN);
  return run_cli(args);
}

inline std::string describe(const CliRun& r) {
  return "exit " + std::to_string(r.code) + "\n--- stdout\n" + r.out + "--- stderr\n" + r.err;
}

inline bool all_running(const Pods& pods) {
  for (const auto& p : pods) {
    auto info = pod_info(p->control_port(), 2s);
    if (!info || (*info)["process"] != "running") return false;
  }
  return true;
}

// The pod's seq, from its registration.
inline int seq_of(const std::string& zk, const PodProcess& pod, const std::string& cluster) {
  auto r = registration_of(zk, pod.control_port(), cluster);
  return r && r->payload.contains("seq") ? r->payload["seq"].get<int>() : -1;
}

class CliOps : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    zk_ = std::make_unique<ZkServer>();
    zk_->start();
    const PodSpec base = PodSpec(zk_->connect_string()).with_namespace("local");
    web_ = launch_pods(PodSpec(base)
                           .with_cluster("web")
                           .with_option("--probe=echo all good")
                           .with_option("--probe-every=1"),
                       2);
    db_ = launch_pods(PodSpec(base).with_cluster("db"), 1);
    ready_ = wait_until(
        [] {
          if (!all_running(web_) || !all_running(db_)) return false;
          PodProcess* leader = leader_of(web_);
          if (leader == nullptr) return false;
          auto info = pod_info(leader->control_port(), 2s);
          return info && (*info)["status"] == "all good" &&
                 all_registered(zk_->connect_string(), web_, "local.web") &&
                 all_registered(zk_->connect_string(), db_, "local.db");
        },
        30s, "local.web (2 pods, probed) and local.db (1 pod) running");
    if (!ready_) return;
    for (const auto& p : web_) web_seqs_.push_back(seq_of(zk_->connect_string(), *p, "local.web"));
    db_seq_ = seq_of(zk_->connect_string(), *db_[0], "local.db");
  }
  static void TearDownTestSuite() {
    web_.clear();
    db_.clear();
    web_seqs_.clear();
    zk_.reset();
  }
  void SetUp() override { ASSERT_TRUE(ready_); }

  static std::string zk() { return zk_->connect_string(); }
  static CliRun ops(std::vector<std::string> args) { return ochopod_ops(zk(), std::move(args)); }
  static int web_seq(size_t i) { return web_seqs_[i]; }
  static int db_seq() { return db_seq_; }
  static std::string web_key(size_t i) { return "local.web #" + std::to_string(web_seq(i)); }
  static std::string db_key() { return "local.db #" + std::to_string(db_seq()); }

  static inline std::unique_ptr<ZkServer> zk_;
  static inline Pods web_;
  static inline Pods db_;
  static inline std::vector<int> web_seqs_;  // seq of web_[i]
  static inline int db_seq_ = -1;
  static inline testing::AssertionResult ready_ = testing::AssertionFailure() << "not set up";
};

class CliOpsLive : public ZkTest {
 protected:
  PodSpec spec(const std::string& cluster) const {
    return PodSpec(zk.connect_string()).with_namespace("ctl").with_cluster(cluster);
  }
  CliRun ops(std::vector<std::string> args) const {
    return ochopod_ops(zk.connect_string(), std::move(args));
  }
  // Launches n pods of ctl.<cluster> from pod_spec into *pods and waits
  // until they all run and are registered.
  testing::AssertionResult launch_registered(const PodSpec& pod_spec, const std::string& cluster,
                                             Pods* pods, int n = 2) const {
    *pods = launch_pods(pod_spec, n);
    const std::string name = "ctl." + cluster;
    if (auto running = wait_until([&] { return all_running(*pods); }, 20s, name + " running");
        !running) {
      return running;
    }
    return wait_until([&] { return all_registered(zk.connect_string(), *pods, name); }, 10s,
                      name + " registered");
  }
  // "ctl.<cluster> #<seq>", the key the commands print for pod, and its seq.
  std::string key_of(const PodProcess& pod, const std::string& cluster, int* seq) const {
    *seq = seq_of(zk.connect_string(), pod, "ctl." + cluster);
    return "ctl." + cluster + " #" + std::to_string(*seq);
  }
  std::string process_of(const PodProcess& pod) const {
    auto info = pod_info(pod.control_port(), 2s);
    return info ? info->value("process", "") : "";
  }
};

}  // namespace ochopod::test
