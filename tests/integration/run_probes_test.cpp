// GET /healthz and GET /readyz on a real `ochopod run` pod (docs/protocol.md
// 7, "Probes"): /readyz follows the pod through its start, its readiness, an
// operator's off and on, and its stop; neither needs the control token, which
// every other path still needs. Real ZooKeeper (registered is part of ready),
// a real child (python's http.server, listening a second after it starts).
#include <gtest/gtest.h>
#include <signal.h>

#include "harness/cluster_probe.h"
#include "harness/files.h"
#include "harness/ports.h"
#include "harness/temp_dir.h"
#include "harness/zk_fixture.h"

namespace ochopod::test {
namespace {

using namespace std::chrono_literals;

constexpr char kToken[] = "probe-test-token";

class RunProbes : public ZkTest {
 protected:
  int status(int control, const std::string& path, const HttpHeaders& headers = {}) {
    return http_get(control, path, 2s, headers).status;
  }
  HttpHeaders bearer() const { return {{"Authorization", std::string("Bearer ") + kToken}}; }

  TempDir dir_{"ochopod-probes-"};
};

TEST_F(RunProbes, ReadyzFollowsStartReadinessOffOnAndTheStopWithoutTheToken) {
  write_text(dir_.file("token"), std::string(kToken) + "\n");
  const int web = free_port();
  // The leave delay leaves a window where the pod is stopping but its child
  // still serves: /readyz must say 503 in it, /healthz 200.
  PodProcess pod(PodSpec(zk.connect_string())
                     .with_cluster("probes")
                     .with_option("--token-file=" + dir_.file("token"))
                     .with_option("--ready=tcp:" + std::to_string(web))
                     .with_option("--leave-delay=3")
                     .with_option("--grace=5")
                     .with_child({"/bin/sh", "-c",
                                  "sleep 1; exec /usr/bin/python3 -m http.server --bind "
                                  "127.0.0.1 " +
                                      std::to_string(web)}));
  const int control = pod.control_port();
  ASSERT_TRUE(wait_until([&] { return status(control, "/healthz") == 200; }, 10s,
                         "/healthz answering 200 without the token"));
  // Registering, configuring, the child's second of sleep: not ready yet,
  // then ready once it listens.
  ASSERT_TRUE(wait_until([&] { return status(control, "/readyz") == 200; }, 15s,
                         "/readyz 200 once the child listens"));
  EXPECT_EQ(status(control, "/info"), 401) << "the token is still needed for /info";
  EXPECT_EQ(status(control, "/metrics"), 401) << "and for /metrics";
  EXPECT_EQ(http_post(control, "/control/off").status, 401) << "and for /control";
  EXPECT_EQ(status(control, "/info", bearer()), 200);

  // off: out of view and not serving.
  ASSERT_EQ(http_post(control, "/control/off/10", "", 15s, bearer()).status, 200);
  EXPECT_EQ(status(control, "/readyz"), 503) << "an off pod is not ready";
  EXPECT_EQ(status(control, "/healthz"), 200) << "an off pod still works";
  // on: ready again once its child listens (the on answers then).
  ASSERT_EQ(http_post(control, "/control/on/10", "", 15s, bearer()).status, 200);
  EXPECT_EQ(status(control, "/readyz"), 200) << "ready after an on that waited for readiness";

  // The stop: not ready at once, while the child still serves (leave delay).
  ASSERT_TRUE(pod.signal(SIGTERM));
  ASSERT_TRUE(wait_until([&] { return status(control, "/readyz") == 503; }, 2s,
                         "/readyz 503 as soon as the stop starts"));
  EXPECT_EQ(status(control, "/healthz"), 200) << "a stopping pod still works";
  EXPECT_EQ(http_get(web, "/", 2s).status, 200) << "the child still serves in the leave delay";
  const auto code = pod.wait_exit(20s);
  ASSERT_TRUE(code) << "the pod did not exit";
  EXPECT_EQ(*code, 0);
}

}  // namespace
}  // namespace ochopod::test
