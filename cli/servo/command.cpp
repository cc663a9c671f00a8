// `ochopod servo <url> <dir> <script>...`: what a CI job runs to deploy
// through a servo pod (examples/servo). Packs <dir> as a .tgz in memory,
// signs it with the servo's token (X-Signature: sha1=<HMAC-SHA1>), POSTs it
// to <url>/run/<script>+<script>... as the multipart field `tgz`, prints the
// scripts' output and exits 0 if they all succeeded, 1 if one failed or the
// servo refused the upload, 2 on a usage error. The archive and signature
// code is the runtime's (ochopod/archive.h, upload_signature.h), which the
// servo unpacks and checks with. Main thread.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "ochopod/archive.h"
#include "ochopod/secret.h"
#include "ochopod/upload_signature.h"
#include "runtime/base/numbers.h"
#include "runtime/http/client.h"

namespace ochopod::cli {

namespace {

constexpr const char* kUsage =
    "usage: ochopod servo [options] <url> <dir> <script>...\n"
    "\n"
    "Packs <dir> as a .tgz, signs it with the servo's token and has the servo at\n"
    "<url> (http://host:port, its port 5000) run the scripts in order; prints\n"
    "their output. Exit status: 0 all succeeded, 1 one failed or the upload was\n"
    "refused, 2 usage error.\n"
    "\n"
    "options:\n"
    "  --servo-token-file <path>  the servo's token (default: $OCHOPOD_SERVO_TOKEN)\n"
    "  -j, --json                 print the servo's JSON answer instead of the output\n"
    "  -t, --timeout <seconds>    how long the scripts may take (default 900)\n";

int usage_error(const std::string& why) {
  std::fprintf(stderr, "ochopod servo: %s\n%s", why.c_str(), kUsage);
  return 2;
}

}  // namespace

int servo_command(const std::vector<std::string>& args) {
  std::string token_file;
  bool json = false;
  double timeout = 900;
  std::vector<std::string> positional;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "-h" || arg == "--help") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (arg == "-j" || arg == "--json") {
      json = true;
    } else if (arg == "--servo-token-file" || arg == "-t" || arg == "--timeout") {
      if (i + 1 >= args.size()) return usage_error(arg + " needs a value");
      const std::string& value = args[++i];
      if (arg == "--servo-token-file") {
        token_file = value;
      } else {
        const auto seconds = parse_decimal(value);
        if (!seconds || *seconds <= 0) return usage_error("bad timeout '" + value + "'");
        timeout = *seconds;
      }
    } else if (arg.size() > 1 && arg.front() == '-' && positional.size() < 2) {
      return usage_error("unknown option " + arg);
    } else {
      positional.push_back(arg);
    }
  }
  if (positional.size() < 3) return usage_error("a url, a directory and a script are needed");

  std::string token, error;
  if (!token_file.empty()) {
    if (!read_secret_file(token_file, &token, &error)) return usage_error(error);
  } else {
    const char* inline_token = std::getenv("OCHOPOD_SERVO_TOKEN");
    if (inline_token == nullptr)
      return usage_error("no token: --servo-token-file or $OCHOPOD_SERVO_TOKEN");
    if (!trim_secret(inline_token, "$OCHOPOD_SERVO_TOKEN", &token, &error)) {
      return usage_error(error);
    }
  }

  std::string url = positional[0];
  while (!url.empty() && url.back() == '/') url.pop_back();
  const std::filesystem::path dir = positional[1];
  std::string scripts;
  for (size_t i = 2; i < positional.size(); ++i) {
    scripts += (scripts.empty() ? "" : "+") + positional[i];
  }

  std::string tgz;
  try {
    tgz = pack_tgz(dir);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ochopod servo: cannot pack %s: %s\n", dir.c_str(), e.what());
    return 1;
  }
  HttpRequest request;
  request.path = "/run/" + scripts;
  request.headers = {{"X-Signature", sign_upload(token, tgz)},
                     {"Accept", json ? "application/json" : "text/plain"}};
  request.files = {{"tgz", tgz}};
  request.timeout = std::chrono::duration<double>(timeout);
  request.connect_timeout = std::chrono::duration<double>(10);
  const HttpAnswer answer = http_send(url, request);
  if (answer.status == 0) {
    std::fprintf(stderr, "ochopod servo: %s: %s\n", url.c_str(), answer.error.c_str());
    return 1;
  }
  // The scripts' output (or the JSON answer) is the result: stdout. A
  // refusal (403, 413, 400...) is an error: stderr, with its status.
  const bool ran = answer.status == 200 || answer.status == 412 || json;
  std::fputs(answer.body.c_str(), ran ? stdout : stderr);
  if (json) {
    const auto reply = answer.json();
    return answer.status == 200 && !reply.is_discarded() && reply.value("ok", false) ? 0 : 1;
  }
  if (answer.status == 412) {
    std::fprintf(stderr, "ochopod servo: a script failed\n");
  } else if (answer.status != 200) {
    std::fprintf(stderr, "ochopod servo: HTTP %d from %s\n", answer.status, url.c_str());
  }
  return answer.status == 200 ? 0 : 1;
}

}  // namespace ochopod::cli
