// `ochopod ui`'s command line (docs/ui.md "Starting it"): what it reads, its
// env twins, and which combinations are usage errors. command.cpp parses
// once, on the main thread, with the operator commands' flag scanner
// (cli/ops/args.h).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "runtime/http/client.h"

namespace ochopod::cli::ui {

struct UiOptions {
  std::string zk;                         // --zk, else $OCHOPOD_ZK
  std::string listen_host = "127.0.0.1";  // --listen <addr:port> ($OCHOPOD_UI_LISTEN)
  int listen_port = 8090;                 // 0: any free port (printed in the login URL)
  HttpTrust trust;                        // --token-file/$OCHOPOD_TOKEN, --tls-ca/$OCHOPOD_TLS_CA
  double timeout = 5;                     // -t: seconds each pod gets to answer
  std::string ui_token;                   // --ui-token-file ($OCHOPOD_UI_TOKEN_FILE): operators
  std::string ui_viewer_token;            // --ui-viewer-token-file: read-only sessions
  bool read_only = false;                 // --read-only
  std::vector<std::string> allow_hosts;   // --allow-host (repeatable): extra Host names
  double refresh = 1;                     // --refresh: scales the cache's tiers (0.5 s and 15 s)
  bool help = false;
};

struct UiParse {
  std::optional<UiOptions> options;  // set on success
  std::string error;                 // otherwise one line (exit 2)
};

// args: after "ui". Only OCHOPOD_* names are read from env. A --listen that
// is not loopback without a UI token is an error; token files are read here
// (their content never appears in an error).
UiParse parse_ui_options(const std::vector<std::string>& args,
                         const std::map<std::string, std::string>& env);

std::string ui_usage();

// True for 127.0.0.0/8, ::1 and "localhost".
bool is_loopback(const std::string& host);

}  // namespace ochopod::cli::ui
