// The dashboard's router (docs/ui.md "URLs", "JSON API", "Access"): every
// request the WebServer reads comes here, on the "ui-http" thread, and is
// answered at once from the hub's latest snapshot.
//
// Order of checks, for every request: the Host header (421 unless allowed:
// no DNS rebinding), then the session (cookie, or Bearer on /api/*; 401
// otherwise), then for a POST the CSRF token and Origin (403), then the role
// (403 for a viewer's mutation). Every answer carries the security headers
// (a strict Content-Security-Policy, nosniff, no referrer, no caching but
// for the hashed assets).
#pragma once

#include <string>

#include "cli/ops/actions.h"
#include "cli/ui/web/server.h"

namespace ochopod::cli::ui {

class Hub;
class Auth;
class Streams;
class ActionRunner;

struct UiContext {
  Hub& hub;
  Auth& auth;
  Streams& streams;
  ActionRunner& actions;
  Reach reach;              // for the API's calls that the cache does not make
  std::string listen_host;  // an allowed Host besides loopback names
};

WebServer::Router make_router(UiContext& context);

}  // namespace ochopod::cli::ui
