// Issue 13, parts 5 and 6: GET /metrics scraped by a real Prometheus server
// (Debian's prometheus, started here on loopback) and read by promtool, and
// --log-format json making every line a pod writes one JSON object.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <sstream>

#include "harness/cluster_probe.h"
#include "harness/files.h"
#include "harness/ports.h"
#include "harness/proc_tree.h"
#include "harness/run_capture.h"
#include "harness/temp_dir.h"
#include "harness/zk_fixture.h"

namespace ochopod::test {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

constexpr auto kFormation = 20s;
constexpr const char* kPrometheus = "/usr/bin/prometheus";

std::string cmdline_of(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (auto& c : text)
    if (c == '\0') c = ' ';
  return text;
}

// The pod's child: the descendant running `sleep 3600` (not a --sanity
// shell, nor the guardian, whose command line is the pod's).
pid_t child_of(const PodProcess& pod) {
  for (pid_t p : descendants(pod.pid())) {
    if (cmdline_of(p).find("sleep 3600") != std::string::npos && !is_guardian(p)) return p;
  }
  return 0;
}

// A Prometheus server scraping `targets` every half second, on loopback.
class PrometheusServer {
 public:
  explicit PrometheusServer(const std::vector<int>& targets) : port_(free_port()) {
    std::ostringstream config;
    config << "global:\n  scrape_interval: 500ms\n  scrape_timeout: 400ms\n"
           << "scrape_configs:\n  - job_name: ochopod\n    static_configs:\n      - targets: [";
    for (size_t i = 0; i < targets.size(); ++i) {
      config << (i ? ", " : "") << "'127.0.0.1:" << targets[i] << "'";
    }
    config << "]\n";
    write_text(dir_.file("prometheus.yml"), config.str());
    process_ = std::make_unique<PodProcess>(
        std::vector<std::string>{"--config.file=" + dir_.file("prometheus.yml"),
                                 "--storage.tsdb.path=" + dir_.file("data"),
                                 "--web.listen-address=127.0.0.1:" + std::to_string(port_)},
        std::map<std::string, std::string>{}, kPrometheus);
  }
  ~PrometheusServer() { dump_log_if_failed("prometheus", process_->log_path()); }

  bool ready() { return http_get(port_, "/-/ready", 2s).status == 200; }
  std::string output() const { return process_->output(); }

  // Instant query: instance ("127.0.0.1:<port>") -> value, as Prometheus says it.
  std::map<std::string, std::string> query(const std::string& expr) {
    std::map<std::string, std::string> out;
    const auto reply = http_get(port_, "/api/v1/query?query=" + expr, 2s);
    const json body = reply.json();
    if (reply.status != 200 || !body.is_object() || body.value("status", "") != "success") {
      return out;
    }
    for (const auto& r : body["data"]["result"]) {
      out[r["metric"].value("instance", "")] = r["value"][1].get<std::string>();
    }
    return out;
  }

 private:
  TempDir dir_;
  int port_;
  std::unique_ptr<PodProcess> process_;
};

std::string instance(const PodProcess& pod) {
  return "127.0.0.1:" + std::to_string(pod.control_port());
}

// promtool's verdict on one exposition: "" when it finds nothing wrong.
std::string promtool_problems(const std::string& exposition) {
  TempDir dir;
  write_text(dir.file("metrics.txt"), exposition);
  const auto result =
      run_capture({"/bin/sh", "-c", "promtool check metrics < " + dir.file("metrics.txt")}, 10s);
  if (result.exited_ok() && result.out.empty() && result.err.empty()) return "";
  return "promtool: " + result.out + result.err;
}

class MetricsEndpoint : public ZkTest {};

TEST_F(MetricsEndpoint, PrometheusScrapesThreePodsAndSeesARestartAfterKill9) {
  PodSpec spec = PodSpec(zk.connect_string())
                     .with_option("--check-every=0.5")
                     // A child that failed fails the next check: one is not
                     // enough to turn it off.
                     .with_option("--checks=3")
                     .with_option("--sanity=echo '{\"load\": 1.5, \"word\": \"x\"}'");
  auto pods = launch_pods(spec, 3);
  ASSERT_TRUE(wait_until(
      [&] {
        for (const auto& p : pods)
          if (process_of(p->control_port()) != "running") return false;
        return true;
      },
      kFormation, "the 3 pods configured by their leader, each child running"));

  std::vector<int> ports;
  for (const auto& p : pods) ports.push_back(p->control_port());
  PrometheusServer prometheus(ports);
  ASSERT_TRUE(wait_until([&] { return prometheus.ready(); }, 15s, "Prometheus ready"))
      << prometheus.output();
  ASSERT_TRUE(wait_until(
      [&] {
        const auto values = prometheus.query("ochopod_child_restarts_total");
        return values.size() == 3 && values.count(instance(*pods[0])) &&
               values.at(instance(*pods[0])) == "0";
      },
      15s, "ochopod_child_restarts_total scraped from the 3 pods, 0 for the first"));

  const pid_t child = child_of(*pods[0]);
  ASSERT_NE(child, 0) << "no child found under pod " << pods[0]->pid();
  ASSERT_EQ(::kill(child, SIGKILL), 0);
  EXPECT_TRUE(wait_until(
      [&] {
        const auto values = prometheus.query("ochopod_child_restarts_total");
        return values.count(instance(*pods[0])) && values.at(instance(*pods[0])) == "1";
      },
      10s, "Prometheus seeing the first pod's restart counter at 1 after kill -9"));
  EXPECT_TRUE(wait_until(
      [&] {
        const auto values = prometheus.query("ochopod_child_last_exit_code");
        return values.count(instance(*pods[0])) && values.at(instance(*pods[0])) == "137";
      },
      10s, "the last exit code 137 (SIGKILL)"));
  // The others kept theirs.
  const auto values = prometheus.query("ochopod_child_restarts_total");
  EXPECT_EQ(values.at(instance(*pods[1])), "0");
  EXPECT_EQ(values.at(instance(*pods[2])), "0");

  // Each pod's exposition passes promtool; the leader's shows its round.
  bool saw_round = false;
  for (const auto& p : pods) {
    HttpReply reply;
    // A restarted child has no metrics until its first check passed.
    EXPECT_TRUE(wait_until(
        [&] {
          reply = http_get(p->control_port(), "/metrics");
          return reply.body.find("ochopod_user_metric{name=\"load\"} 1.5\n") != std::string::npos;
        },
        5s, "the sanity check's load as ochopod_user_metric"))
        << reply.body;
    ASSERT_EQ(reply.status, 200);
    EXPECT_EQ(reply.content_type, "text/plain; version=0.0.4");
    EXPECT_EQ(promtool_problems(reply.body), "") << reply.body;
    EXPECT_EQ(reply.body.find("name=\"word\""), std::string::npos) << reply.body;
    EXPECT_NE(reply.body.find("ochopod_control_requests_total{task=\"on\",code=\"200\"} "),
              std::string::npos)
        << reply.body;
    EXPECT_NE(reply.body.find("ochopod_zookeeper_connection_state{state=\"connected\"} 1\n"),
              std::string::npos)
        << reply.body;
    if (reply.body.find("ochopod_leader_rounds_total{outcome=\"ok\"} 0\n") == std::string::npos) {
      saw_round = true;
      EXPECT_NE(reply.body.find("ochopod_pods_seen 3\n"), std::string::npos) << reply.body;
    }
  }
  EXPECT_TRUE(saw_round) << "no pod counted a successful round";
  // The one GET endpoint: POST is not how it is read.
  EXPECT_EQ(http_post(pods[0]->control_port(), "/metrics").status, 405);
}

TEST(MetricsToken, MetricsNeedTheTokenWhenThereIsOne) {
  TempDir dir;
  write_text(dir.file("token"), "s3cret\n");
  PodSpec spec;
  spec.zk = "";
  spec.with_option("--token-file=" + dir.file("token"));
  PodProcess pod(spec);
  const HttpHeaders bearer{{"Authorization", "Bearer s3cret"}};
  ASSERT_TRUE(
      wait_until([&] { return http_get(pod.control_port(), "/metrics", 2s, bearer).status == 200; },
                 10s, "/metrics answering with the token"));
  EXPECT_EQ(http_get(pod.control_port(), "/metrics", 2s).status, 401);
  EXPECT_EQ(http_get(pod.control_port(), "/metrics", 2s, {{"Authorization", "Bearer nope"}}).status,
            401);
}

TEST_F(MetricsEndpoint, JsonLogsMakeEveryLineOfThePodsOutputAJsonObject) {
  PodSpec spec = PodSpec(zk.connect_string())
                     .with_cluster("web")
                     .with_option("--log-format=json")
                     .with_option("--pipe")
                     .with_option("--shell")
                     .with_child({"echo 'hello from the child'; echo 'a \"quoted\" {line}' >&2; "
                                  "exec sleep 3600"});
  PodProcess pod(spec);
  const auto has = [&](const std::string& text) {
    return pod.output().find(text) != std::string::npos;
  };
  ASSERT_TRUE(wait_until([&] { return has("hello from the child"); }, kFormation,
                         "the child's line in the pod's output"));
  ASSERT_TRUE(wait_until([&] { return has("\"seq\":"); }, kFormation, "a line naming the seq"));
  // With ZooKeeper gone, its C client complains: through our logger too.
  zk.stop();
  ASSERT_TRUE(wait_until([&] { return has("\"message\":\"zookeeper: "); }, 15s,
                         "the ZooKeeper client's own lines in the pod's output"));
  ASSERT_TRUE(pod.signal(SIGTERM));
  ASSERT_TRUE(pod.wait_exit(20s)) << "the pod did not stop";

  std::istringstream lines(pod.output());
  int n = 0, child = 0, zookeeper = 0;
  for (std::string line; std::getline(lines, line); ++n) {
    const json j = json::parse(line, nullptr, false);
    ASSERT_TRUE(j.is_object()) << "line " << n << " is not a JSON object: " << line;
    for (const char* key : {"time", "level", "thread", "message", "cluster", "namespace"}) {
      EXPECT_TRUE(j.contains(key)) << key << " missing: " << line;
    }
    EXPECT_EQ(j.value("cluster", ""), "web") << line;
    EXPECT_EQ(j.value("namespace", ""), "local") << line;
    if (j.value("source", "") == "child") {
      ++child;
      const std::string message = j.value("message", "");
      EXPECT_TRUE(message == "hello from the child" || message == "a \"quoted\" {line}") << line;
    }
    if (j.value("message", "").rfind("zookeeper: ", 0) == 0) ++zookeeper;
  }
  EXPECT_GT(n, 5);
  EXPECT_EQ(child, 2) << pod.output();
  EXPECT_GT(zookeeper, 0);
}

}  // namespace
}  // namespace ochopod::test
