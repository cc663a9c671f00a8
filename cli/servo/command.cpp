// `ochopod servo <url> <dir> <script>...`: what a CI job runs to deploy
// through a servo pod (examples/servo). Packs <dir> as a .tgz in memory,
// signs it with the servo's token (X-Signature: sha1=<HMAC-SHA1>), POSTs it
// to <url>/run/<script>+<script>... as the multipart field `tgz`, prints the
// scripts' output and exits 0 if they all succeeded, 1 if one failed or the
// servo refused the upload, 2 on a usage error. The archive and signature
// code is the runtime's (ochopod/archive.h, upload_signature.h), which the
// servo unpacks and checks with. Its flags are read as every cli command's
// (cli/ops/args.h). Main thread.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/ops/args.h"
#include "ochopod/archive.h"
#include "ochopod/secret.h"
#include "ochopod/upload_signature.h"
#include "runtime/base/numbers.h"
#include "runtime/http/client.h"

namespace ochopod::cli {

namespace {

enum Id : int { kTokenFile, kJson, kTimeout, kHelp };

constexpr FlagSpec kFlags[] = {
    {kTokenFile, 0, "servo-token-file", "<path>",
     "the servo's token (default: $OCHOPOD_SERVO_TOKEN)"},
    {kJson, 'j', "json", nullptr, "print the servo's JSON answer instead of the output"},
    {kTimeout, 't', "timeout", "<seconds>", "how long the scripts may take (default 900)"},
    {kHelp, 'h', "help", nullptr, nullptr, /*ends_scan=*/true},
};

// Where the usage puts the flags' meanings.
constexpr size_t kHelpWidth = 28;

std::string usage() {
  return "usage: ochopod servo [options] <url> <dir> <script>...\n"
         "\n"
         "Packs <dir> as a .tgz, signs it with the servo's token and has the servo at\n"
         "<url> (http://host:port, its port 5000) run the scripts in order; prints\n"
         "their output. Exit status: 0 all succeeded, 1 one failed or the upload was\n"
         "refused, 2 usage error.\n"
         "\n" +
         flags_help(kFlags, kHelpWidth);
}

int usage_error(const std::string& why) {
  std::fprintf(stderr, "ochopod servo: %s\n%s", why.c_str(), usage().c_str());
  return 2;
}

struct ServoArgs {
  std::string token_file;
  bool json = false;
  double timeout = 900;
  bool help = false;
  std::vector<std::string> positional;  // <url> <dir> <script>...
};

std::string set(const FlagSpec& flag, const std::string& value, ServoArgs& out) {
  switch (flag.id) {
    case kTokenFile:
      out.token_file = value;
      break;
    case kJson:
      out.json = true;
      break;
    case kTimeout: {
      const auto seconds = parse_decimal(value);
      if (!seconds || *seconds <= 0) return "bad timeout '" + value + "'";
      out.timeout = *seconds;
      break;
    }
    case kHelp:
      out.help = true;
      break;
  }
  return "";
}

}  // namespace

int servo_command(const std::vector<std::string>& args) {
  ServoArgs a;
  ScanRules rules;
  rules.loose_after = 2;  // after <url> <dir>, a script's name may start with '-'
  const std::string why = scan_flags(
      kFlags, args,
      [&a](const FlagSpec& flag, const std::string& value) { return set(flag, value, a); },
      &a.positional, rules);
  if (!why.empty()) return usage_error(why);
  if (a.help) {
    std::fputs(usage().c_str(), stdout);
    return 0;
  }
  if (a.positional.size() < 3) return usage_error("a url, a directory and a script are needed");

  std::string token, error;
  if (!a.token_file.empty()) {
    if (!read_secret_file(a.token_file, &token, &error)) return usage_error(error);
  } else {
    const char* inline_token = std::getenv("OCHOPOD_SERVO_TOKEN");
    if (inline_token == nullptr)
      return usage_error("no token: --servo-token-file or $OCHOPOD_SERVO_TOKEN");
    if (!trim_secret(inline_token, "$OCHOPOD_SERVO_TOKEN", &token, &error)) {
      return usage_error(error);
    }
  }

  std::string url = a.positional[0];
  while (!url.empty() && url.back() == '/') url.pop_back();
  const std::filesystem::path dir = a.positional[1];
  std::string scripts;
  for (size_t i = 2; i < a.positional.size(); ++i) {
    scripts += (scripts.empty() ? "" : "+") + a.positional[i];
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
                     {"Accept", a.json ? "application/json" : "text/plain"}};
  request.files = {{"tgz", tgz}};
  request.timeout = std::chrono::duration<double>(a.timeout);
  request.connect_timeout = std::chrono::duration<double>(10);
  const HttpAnswer answer = http_send(url, request);
  if (answer.status == 0) {
    std::fprintf(stderr, "ochopod servo: %s: %s\n", url.c_str(), answer.error.c_str());
    return 1;
  }
  // The scripts' output (or the JSON answer) is the result: stdout. A
  // refusal (403, 413, 400...) is an error: stderr, with its status.
  const bool ran = answer.status == 200 || answer.status == 412 || a.json;
  std::fputs(answer.body.c_str(), ran ? stdout : stderr);
  if (a.json) {
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
