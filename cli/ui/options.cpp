// `ochopod ui`'s command line (options.h), read with cli/'s one flag scanner;
// what it shares with the operator commands (-t, --zk, the clusters' token and
// CA) goes through their helpers (cli/ops/args.h), so both read it alike.
#include "cli/ui/options.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cctype>

#include "cli/ops/args.h"
#include "ochopod/secret.h"
#include "runtime/base/numbers.h"

namespace ochopod::cli::ui {

namespace {

enum Id : int {
  kZk,
  kListen,
  kTimeout,
  kTokenFile,
  kTlsCa,
  kUiTokenFile,
  kUiViewerTokenFile,
  kReadOnly,
  kAllowHost,
  kRefresh,
  kHelp
};

constexpr FlagSpec kFlags[] = {
    {kZk, 0, "zk", "<hosts>", "ZooKeeper to read (host:port,... or zk://...); else $OCHOPOD_ZK"},
    {kListen, 0, "listen", "<addr:port>",
     "where the dashboard listens (default 127.0.0.1:8090; [::1]:8090 for IPv6; port 0: any "
     "free one); else $OCHOPOD_UI_LISTEN"},
    {kTimeout, 't', "timeout", "<seconds>", "time each pod gets to answer (default 5)"},
    {kTokenFile, 0, "token-file", "<path>",
     "file holding the clusters' control token; else $OCHOPOD_TOKEN holds it"},
    {kTlsCa, 0, "tls-ca", "<path>",
     "PEM CA that pods serving HTTPS must chain to; else $OCHOPOD_TLS_CA, else the system's"},
    {kUiTokenFile, 0, "ui-token-file", "<path>",
     "file holding the operators' token for the login form and Bearer API calls; else "
     "$OCHOPOD_UI_TOKEN_FILE"},
    {kUiViewerTokenFile, 0, "ui-viewer-token-file", "<path>",
     "file holding a token for read-only sessions; else $OCHOPOD_UI_VIEWER_TOKEN_FILE"},
    {kReadOnly, 0, "read-only", nullptr, "every session is read-only: no actions at all"},
    {kAllowHost, 0, "allow-host", "<name>",
     "a Host name the browser may use besides loopback ones and the listen address "
     "(repeatable; e.g. behind a proxy)"},
    {kRefresh, 0, "refresh", "<factor>",
     "scales how often pods are asked (2: half as often; default 1)"},
    {kHelp, 'h', "help", nullptr, "this help", /*ends_scan=*/true},
};

// Where the usage puts the flags' meanings.
constexpr size_t kHelpWidth = 33;

struct Raw {
  UiOptions out;
  std::string listen;  // as given, "" if not
  std::string token_file;
  std::string ui_token_file;
  std::string ui_viewer_token_file;
};

std::string apply(const FlagSpec& flag, const std::string& value, Raw& raw) {
  switch (flag.id) {
    case kZk:
      raw.out.zk = value;
      break;
    case kListen:
      raw.listen = value;
      if (value.empty()) return "--listen takes <addr:port>, not ''";
      break;
    case kTimeout:
      return parse_timeout_flag(value, &raw.out.timeout);
    case kTokenFile:
      raw.token_file = value;
      if (value.empty()) return "--token-file takes a path, not ''";
      break;
    case kTlsCa:
      raw.out.trust.ca_file = value;
      break;
    case kUiTokenFile:
      raw.ui_token_file = value;
      if (value.empty()) return "--ui-token-file takes a path, not ''";
      break;
    case kUiViewerTokenFile:
      raw.ui_viewer_token_file = value;
      if (value.empty()) return "--ui-viewer-token-file takes a path, not ''";
      break;
    case kReadOnly:
      raw.out.read_only = true;
      break;
    case kAllowHost:
      if (value.empty()) return "--allow-host takes a host name, not ''";
      raw.out.allow_hosts.push_back(value);
      break;
    case kRefresh: {
      const auto factor = parse_decimal(value);
      if (!factor || *factor <= 0) {
        return "--refresh takes a factor > 0 (2: pods are asked half as often), not '" + value +
               "'";
      }
      raw.out.refresh = *factor;
      break;
    }
    case kHelp:
      raw.out.help = true;
      break;
  }
  return "";
}

bool name_char(unsigned char c) { return std::isalnum(c) || c == '.' || c == '-' || c == '_'; }

// "<host>:<port>" or "[<ipv6>]:<port>" into host (brackets dropped) and port
// (0 to 65535); `what` names the input in the error.
std::string parse_listen(const std::string& value, const std::string& what, UiOptions& out) {
  const std::string error =
      what + " takes <addr:port> (e.g. 127.0.0.1:8090 or [::1]:8090), not '" + value + "'";
  std::string host, port;
  if (!value.empty() && value.front() == '[') {
    const size_t close = value.find(']');
    if (close == std::string::npos || close + 1 >= value.size() || value[close + 1] != ':') {
      return error;
    }
    host = value.substr(1, close - 1);
    port = value.substr(close + 2);
    in6_addr address{};
    if (::inet_pton(AF_INET6, host.c_str(), &address) != 1) return error;
  } else {
    const size_t colon = value.find(':');
    if (colon == std::string::npos || value.find(':', colon + 1) != std::string::npos) {
      return error;  // no port, or an IPv6 address without its brackets
    }
    host = value.substr(0, colon);
    port = value.substr(colon + 1);
    if (host.empty() || !std::all_of(host.begin(), host.end(), name_char)) return error;
  }
  const auto number = parse_integer<int>(port);
  if (!number || *number < 0 || *number > 65535) return error;
  out.listen_host = host;
  out.listen_port = *number;
  return "";
}

std::string env_or(const std::string& given, const std::map<std::string, std::string>& env,
                   const char* name) {
  if (!given.empty()) return given;
  const auto it = env.find(name);
  return it == env.end() ? "" : it->second;
}

// The token of a --ui-*token-file (or its env twin); "" when none is given.
std::string read_ui_token(const std::string& path, const char* flag, std::string* token) {
  if (path.empty()) return "";
  std::string error;
  if (!read_secret_file(path, token, &error)) return std::string(flag) + ": " + error;
  return "";
}

}  // namespace

UiParse parse_ui_options(const std::vector<std::string>& args,
                         const std::map<std::string, std::string>& env) {
  UiParse result;
  Raw raw;
  std::vector<std::string> positionals;
  const auto set = [&raw](const FlagSpec& flag, const std::string& value) {
    return apply(flag, value, raw);
  };
  if (auto error = scan_flags(kFlags, args, set, &positionals); !error.empty()) {
    result.error = std::move(error);
    return result;
  }
  UiOptions& out = raw.out;
  if (out.help) {
    result.options = std::move(out);
    return result;
  }
  if (!positionals.empty()) {
    result.error = "unexpected argument '" + positionals.front() + "'";
    return result;
  }
  if (auto error = resolve_cluster_access(&out.zk, raw.token_file, &out.trust, env);
      !error.empty()) {
    result.error = std::move(error);
    return result;
  }
  std::string listen = raw.listen;
  std::string what = "--listen";
  if (listen.empty()) {
    if (auto it = env.find("OCHOPOD_UI_LISTEN"); it != env.end() && !it->second.empty()) {
      listen = it->second;
      what = "$OCHOPOD_UI_LISTEN";
    }
  }
  if (!listen.empty()) {
    if (auto error = parse_listen(listen, what, out); !error.empty()) {
      result.error = std::move(error);
      return result;
    }
  }
  const std::string ui_file = env_or(raw.ui_token_file, env, "OCHOPOD_UI_TOKEN_FILE");
  const std::string viewer_file =
      env_or(raw.ui_viewer_token_file, env, "OCHOPOD_UI_VIEWER_TOKEN_FILE");
  for (auto error : {read_ui_token(ui_file, "--ui-token-file", &out.ui_token),
                     read_ui_token(viewer_file, "--ui-viewer-token-file", &out.ui_viewer_token)}) {
    if (!error.empty()) {
      result.error = std::move(error);
      return result;
    }
  }
  if (!out.ui_token.empty() && out.ui_token == out.ui_viewer_token) {
    // The same token cannot name two roles.
    result.error = "--ui-token-file and --ui-viewer-token-file hold the same token";
    return result;
  }
  if (!is_loopback(out.listen_host) && out.ui_token.empty() && out.ui_viewer_token.empty()) {
    result.error =
        "--listen " + listen + " is not loopback: give --ui-token-file (or --ui-viewer-token-file)";
    return result;
  }
  result.options = std::move(out);
  return result;
}

std::string ui_usage() {
  return "usage: ochopod ui [options]\n"
         "\n"
         "Serves a live dashboard of every cluster registered in ZooKeeper, with the\n"
         "operator commands' actions behind confirmations (docs/ui.md). At start it\n"
         "prints a login URL holding a one-time code; the token files let people (and\n"
         "Authorization: Bearer API calls) log in without it.\n"
         "\n" +
         flags_help(kFlags, kHelpWidth) +
         "\n"
         "Listening on anything but loopback needs --ui-token-file or\n"
         "--ui-viewer-token-file. Exit status: 0 after SIGTERM or SIGINT, 1 when ZooKeeper\n"
         "cannot be reached within 10 s at start or the port cannot be bound, 2 usage error.\n"
         "Once started, a ZooKeeper loss is shown on the pages, never fatal.\n";
}

bool is_loopback(const std::string& host) {
  std::string name = host;
  if (name.size() >= 2 && name.front() == '[' && name.back() == ']') {
    name = name.substr(1, name.size() - 2);
  }
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (name == "localhost") return true;
  in_addr v4{};
  if (::inet_pton(AF_INET, name.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  in6_addr v6{};
  if (::inet_pton(AF_INET6, name.c_str(), &v6) == 1) {
    if (IN6_IS_ADDR_LOOPBACK(&v6)) return true;
    return IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127;
  }
  return false;
}

}  // namespace ochopod::cli::ui
