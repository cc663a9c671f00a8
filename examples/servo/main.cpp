// servo: a continuous-delivery pod. A CI job uploads a .tgz of scripts (and
// their templates, settings, encrypted secrets) to the servo's own HTTP port
// and has them run against the clusters, in order, as an operator would:
//
//   POST /run/deploy.sh+test.sh     multipart field `tgz`
//   X-Signature: sha1=<hex HMAC-SHA1 of the archive, keyed by the servo's token>
//
// `ochopod servo <url> <dir> <script>...` does the packing, signing and
// upload; README.md in this folder has the whole story.
//
//   servo_pod [--servo-token-file <path>] [--token-file <path>] [--script-timeout <s>]
//
// --servo-token-file (default /var/lib/ochopod-servo/token) holds the servo's
// secret; a missing file is created at first boot with a random token (mode
// 0600). /info's metrics show its SHA-256 fingerprint, never the token.
// --token-file is the control token of the clusters the scripts drive,
// handed to them as OCHOPOD_TOKEN. Container port 5000 (PORT_5000 in local
// mode, like the control port) is the servo's port; the control port stays
// the pod's and keeps its rules.
//
// Who serves the port: a child the pod supervises (this same binary with
// --serve), not a thread of the pod. Uploads are hostile input: a crash or a
// hang in that server must not take the pod's registration and control port
// with it, and as the Piped child it is restarted when it dies, stopped by
// `off`, and its scripts die with it. The pod checks it every 5 s (GET /ping).
//
// The `run` tool does the same from the control port: `ochopod exec -c
// '*.servo' -t 600 -f deploy.sh -f test.sh run deploy.sh test.sh` runs the
// uploaded files.
//
// Threads: main() reads the options and the token, then boot() runs the pod;
// configure() and sanity_check() run on the pod's lifecycle thread, the
// `run` tool on its tool threads. The --serve process is server.h's.
#include <httplib.h>
#include <ochopod/ochopod.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "runner.h"
#include "server.h"
#include "token.h"

namespace {

namespace fs = std::filesystem;

struct Options {
  bool serve = false;  // internal: this process is the pod's child
  std::string servo_token_file = "/var/lib/ochopod-servo/token";
  std::string token_file;
  double script_timeout = 600;
  int port = 5000;      // the server's: given with --serve, else servo_port()
  std::string zk;       // --serve only
  std::string bin_dir;  // --serve only
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::invalid_argument(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--serve") {
      o.serve = true;
    } else if (arg == "--servo-token-file") {
      o.servo_token_file = value();
    } else if (arg == "--token-file") {
      o.token_file = value();
    } else if (arg == "--script-timeout") {
      o.script_timeout = std::stod(value());
      if (!(o.script_timeout > 0)) throw std::invalid_argument("--script-timeout must be > 0");
    } else if (arg == "--port") {
      o.port = std::stoi(value());
    } else if (arg == "--zk") {
      o.zk = value();
    } else if (arg == "--bin-dir") {
      o.bin_dir = value();
    } else {
      throw std::invalid_argument("unknown option " + arg);
    }
  }
  return o;
}

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

// Where the servo listens: container port 5000, or in local mode (no
// container to remap ports) its PORT_5000 remapping, as the control port does.
// Throws std::invalid_argument for a PORT_5000 that is no port.
int servo_port() {
  const std::string local = env_or("ochopod_local", "false");
  if (local != "true" && local != "1" && local != "yes") return 5000;
  const std::string text = env_or("PORT_5000", "5000");
  size_t used = 0;
  int port = 0;
  try {
    port = std::stoi(text, &used);
  } catch (const std::exception&) {
    used = 0;  // reported just below, with the value
  }
  if (used != text.size() || port < 1 || port > 65535) {
    throw std::invalid_argument("PORT_5000 is not a port: " + text);
  }
  return port;
}

// The ZooKeeper the scripts' `ochopod` commands use: the pod's own, without
// credentials (a ZooKeeper password never reaches a child).
std::string scripts_zk() {
  std::string zk = env_or("ochopod_zk", "");
  if (zk.rfind("zk://", 0) == 0) {
    const auto at = zk.find('@'), slash = zk.find('/', 5);
    if (at != std::string::npos && (slash == std::string::npos || at < slash)) {
      zk = "zk://" + zk.substr(at + 1);
    }
  }
  return zk;
}

// The folder holding the `ochopod` command, to put first on the scripts'
// PATH: this binary's own when `ochopod` sits beside it (a build tree, the
// packages' /usr/bin), else none (PATH as it is).
std::string ochopod_dir() {
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return "";
  const fs::path dir = self.parent_path();
  return ::access((dir / "ochopod").c_str(), X_OK) == 0 ? dir.string() : "";
}

// The pod's child is the servo's HTTP server: this binary again.
class Strategy : public ochopod::Piped {
 public:
  Strategy(Options options, std::string fingerprint)
      : options_(std::move(options)), fingerprint_(std::move(fingerprint)) {
    check_every = std::chrono::seconds(5);
    checks = 3;
    grace = std::chrono::seconds(10);
    pipe_subprocess = true;  // its log lines (one per upload) go into the pod's log
  }

  ochopod::Configuration configure(const ochopod::Cluster&) override {
    std::error_code ec;
    std::vector<std::string> argv = {fs::read_symlink("/proc/self/exe", ec).string(),
                                     "--serve",
                                     "--servo-token-file",
                                     options_.servo_token_file,
                                     "--script-timeout",
                                     std::to_string(options_.script_timeout),
                                     "--port",
                                     std::to_string(options_.port)};
    if (!options_.token_file.empty())
      argv.insert(argv.end(), {"--token-file", options_.token_file});
    if (const auto zk = scripts_zk(); !zk.empty()) argv.insert(argv.end(), {"--zk", zk});
    if (const auto dir = ochopod_dir(); !dir.empty()) argv.insert(argv.end(), {"--bin-dir", dir});
    return ochopod::Configuration("", {}, argv);
  }

  std::optional<nlohmann::json> sanity_check(const ochopod::Process&) override {
    httplib::Client client("127.0.0.1", options_.port);
    client.set_connection_timeout(std::chrono::seconds(2));
    client.set_read_timeout(std::chrono::seconds(2));
    const auto reply = client.Get("/ping");
    if (!reply || reply->status != 200)
      throw std::runtime_error("the servo's port does not answer");
    return nlohmann::json{{"token", fingerprint_}};
  }

 private:
  Options options_;
  std::string fingerprint_;
};

// `run <script>...`: the uploaded files (-f) are the upload.
class RunTool : public ochopod::Tool {
 public:
  RunTool(std::string token, Options options) : options_(std::move(options)) {
    settings_.token = std::move(token);
    settings_.timeout = std::chrono::duration<double>(options_.script_timeout);
    if (const auto zk = scripts_zk(); !zk.empty()) settings_.env["OCHOPOD_ZK"] = zk;
    const std::string path = env_or("PATH", "/usr/bin:/bin");
    const std::string dir = ochopod_dir();
    settings_.env["PATH"] = dir.empty() ? path : dir + ":" + path;
  }
  std::string tag() const override { return "run"; }
  std::vector<std::string> parse(const std::string& raw) const override {
    auto args = ochopod::split_arguments(raw);
    if (args.empty()) throw std::invalid_argument("usage: run <script>... (upload them with -f)");
    return args;
  }
  std::chrono::duration<double> timeout() const override {
    return std::chrono::duration<double>(options_.script_timeout * 4);
  }
  ochopod::ToolResult body(const std::vector<std::string>& args,
                           const std::filesystem::path& cwd) override {
    auto settings = settings_;
    settings.unset = {"OCHOPOD_TOKEN", "ochopod_zk"};  // as the server does
    if (!options_.token_file.empty()) {
      std::string token, error;
      if (!ochopod::read_secret_file(options_.token_file, &token, &error)) return {1, {error}};
      settings.env["OCHOPOD_TOKEN"] = token;
    }
    const auto result = servo::run_upload(cwd, args, settings);
    auto lines = result.out;
    if (!result.ok) lines.push_back(result.failed.value_or("the upload") + " failed");
    return {result.ok ? 0 : (result.code == 0 ? 1 : result.code), lines};
  }

 private:
  Options options_;
  servo::RunSettings settings_;
};

}  // namespace

int main(int argc, char** argv) {
  Options options;
  try {
    options = parse(argc, argv);
    if (!options.serve) options.port = servo_port();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "servo: %s\n", e.what());
    return 2;
  }
  if (options.serve) {
    servo::ServeSettings settings;
    settings.port = options.port;
    settings.token_file = options.servo_token_file;
    settings.control_token_file = options.token_file;
    settings.zk = options.zk;
    settings.bin_dir = options.bin_dir;
    settings.script_timeout = std::chrono::duration<double>(options.script_timeout);
    return servo::serve(settings);
  }
  std::string token, error;
  if (!servo::load_or_create_token(options.servo_token_file, &token, &error)) {
    std::fprintf(stderr, "servo: %s\n", error.c_str());
    return 2;
  }
  Strategy lifecycle(options, servo::fingerprint(token));
  ochopod::Reactive model;
  ochopod::BootOptions boot;
  boot.tools.push_back(std::make_shared<RunTool>(token, options));
  return ochopod::boot(lifecycle, model, boot);
}
