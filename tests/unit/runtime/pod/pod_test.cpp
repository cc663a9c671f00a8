// run_pod()'s seams that need no process of their own: what the control
// port is told by the settings. The whole pod runs in
// tests/integration/run_pod_test.cpp.
#include "runtime/pod/pod.h"

#include <gtest/gtest.h>

namespace ochopod {
namespace {

TEST(Pod, TheServerOptionsAreTheSettingsOfTheControlPort) {
  PodSettings settings;
  settings.bind = "127.0.0.1";
  settings.listen_port = 9123;
  settings.max_body = 4096;
  settings.security.token = "s3cret";
  settings.security.tls_cert = "/certs/pod.pem";
  settings.security.tls_key = "/certs/pod.key";
  settings.security.tls_ca = "/certs/ca.pem";
  const ControlServer::Options options = server_options(settings);
  EXPECT_EQ(options.bind, "127.0.0.1");
  EXPECT_EQ(options.port, 9123);
  EXPECT_EQ(options.max_body, 4096u);
  EXPECT_EQ(options.token, "s3cret");
  EXPECT_EQ(options.tls_cert, "/certs/pod.pem");
  EXPECT_EQ(options.tls_key, "/certs/pod.key");
  const ControlServer::Options defaults;
  EXPECT_EQ(options.max_connections, defaults.max_connections) << "not a setting";
  EXPECT_EQ(options.request_deadline, defaults.request_deadline) << "not a setting";
}

TEST(Pod, DefaultSettingsGiveTheDefaultPort) {
  const ControlServer::Options options = server_options(PodSettings{});
  const ControlServer::Options defaults;
  EXPECT_EQ(options.bind, defaults.bind);
  EXPECT_EQ(options.port, defaults.port);
  EXPECT_EQ(options.max_body, defaults.max_body);
  EXPECT_TRUE(options.token.empty());
  EXPECT_TRUE(options.tls_cert.empty() && options.tls_key.empty());
}

}  // namespace
}  // namespace ochopod
