// `ochopod ui`: wires the dashboard together on the main thread and waits for
// SIGTERM or SIGINT (docs/ui.md). Threads: "ui" (the hub: ZooKeeper and the
// cache), "ui-fetch" (pod calls), "ui-http" (the port and the streams),
// "ui-action" (actions); main only starts and stops them, in that order and
// its reverse.
#include <pthread.h>
#include <spdlog/spdlog.h>

#include <csignal>
#include <cstdio>
#include <functional>

#include "cli/commands.h"
#include "cli/ui/action_runner.h"
#include "cli/ui/live/hub.h"
#include "cli/ui/options.h"
#include "cli/ui/web/auth.h"
#include "cli/ui/web/routes.h"
#include "cli/ui/web/server.h"
#include "cli/ui/web/streams.h"
#include "runtime/base/environment.h"
#include "runtime/pod/log.h"

namespace ochopod::cli {

namespace {
constexpr std::chrono::seconds kZkDeadline{10};
}

int ui_command(const std::vector<std::string>& args) {
  using namespace ui;
  const UiParse parsed = parse_ui_options(args, read_environment());
  if (!parsed.options) {
    std::fprintf(stderr, "ochopod ui: %s (try ochopod ui --help)\n", parsed.error.c_str());
    return 2;
  }
  const UiOptions& options = *parsed.options;
  if (options.help) {
    std::fputs(ui_usage().c_str(), stdout);
    return 0;
  }
  // Taken by sigwait below; every thread started from here inherits the mask.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  log::Options log_options;
  log_options.debug = false;
  log::setup(log_options);

  const Reach reach{options.timeout, options.trust};
  // Declared first, so it outlives whatever posts to it; stopped explicitly
  // before anything it serves goes away. The router needs the parts made
  // below and is handed over through `route` once they exist.
  WebServer::Router route;
  WebServer::Options server_options;
  server_options.host = options.listen_host;
  server_options.port = options.listen_port;
  WebServer server(server_options, [&route](const WebRequest& req) { return route(req); });

  // Set before the hub starts: its loop calls it after every publish.
  std::function<void(SnapshotPtr)> publish;
  HubSettings hub_settings;
  hub_settings.zk = options.zk;
  hub_settings.reach = reach;
  hub_settings.refresh = options.refresh;
  Hub hub(hub_settings, [&publish](SnapshotPtr snapshot) { publish(std::move(snapshot)); });
  Streams streams(server, hub);
  publish = [&server, &streams](SnapshotPtr snapshot) {
    server.post([&streams, snapshot = std::move(snapshot)] { streams.published(snapshot); });
  };
  std::string error;
  if (!hub.start(kZkDeadline, &error)) {
    std::fprintf(stderr, "ochopod ui: %s\n", error.c_str());
    return 1;
  }
  AuthSettings auth_settings;
  auth_settings.operator_token = options.ui_token;
  auth_settings.viewer_token = options.ui_viewer_token;
  auth_settings.read_only = options.read_only;
  auth_settings.hosts = options.allow_hosts;
  Auth auth(auth_settings);
  ActionRunner actions(hub, reach);
  UiContext context{hub, auth, streams, actions, reach, options.listen_host};
  route = make_router(context);
  if (!server.start(&error)) {
    std::fprintf(stderr, "ochopod ui: %s\n", error.c_str());
    return 1;
  }
  const std::string host = options.listen_host.find(':') != std::string::npos
                               ? "[" + options.listen_host + "]"
                               : options.listen_host;
  const std::string shown = host == "0.0.0.0" || host == "[::]" ? "127.0.0.1" : host;
  std::fprintf(stderr, "ochopod ui: open http://%s:%d/login?code=%s (one-time, 10 min)\n",
               shown.c_str(), server.port(), auth.issue_code(AuthClock::now()).c_str());
  std::fflush(stderr);
  spdlog::info("[ui] serving on {}:{}{}", host, server.port(),
               options.read_only ? " (read-only)" : "");

  int signo = 0;
  sigwait(&stop, &signo);
  spdlog::info("[ui] signal {}: stopping", signo);
  server.stop();
  return 0;
}

}  // namespace ochopod::cli
