// The servo's HTTP server (the pod's child): see server.h.
#include "server.h"

#include <httplib.h>
#include <ochopod/secret.h>
#include <signal.h>
#include <stdlib.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "ochopod/archive.h"
#include "ochopod/upload_signature.h"
#include "runner.h"

namespace servo {
namespace {

namespace fs = std::filesystem;

// A private (0700) directory for one upload, removed with everything in it.
class UploadDir {
 public:
  UploadDir() {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/servo-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~UploadDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
    if (ec)
      std::fprintf(stderr, "servo: cannot remove %s: %s\n", path_.c_str(), ec.message().c_str());
  }
  UploadDir(const UploadDir&) = delete;
  UploadDir& operator=(const UploadDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

void answer(httplib::Response& res, bool json, int status, const RunResult& result) {
  if (json) {
    // JSON callers read ok/failed: the status is 200 for any run, success or
    // not; only refusals (403, 400, 413) keep their own.
    res.status = status == 412 ? 200 : status;
    const nlohmann::json body = {
        {"ok", result.ok},
        {"failed", result.failed ? nlohmann::json(*result.failed) : nlohmann::json()},
        {"code", result.code},
        {"out", result.out}};
    res.set_content(body.dump() + "\n", "application/json");
    return;
  }
  std::string text;
  for (const auto& line : result.out) text += line + "\n";
  res.status = status;
  res.set_content(text, "text/plain");
}

// The scripts' part of the URL as a log line may show it: anyone can send
// one, signed or not, so no control character and no more than 200 bytes.
std::string printable(const std::string& text) {
  std::string out = text.substr(0, 200);
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  }
  return text.size() > out.size() ? out + "..." : out;
}

RunResult refusal(const std::string& why) {
  RunResult r;
  r.code = 1;
  r.out = {why};
  return r;
}

}  // namespace

int serve(const ServeSettings& settings) {
  // Blocked before any thread starts so every thread inherits the mask and
  // only sigwait() below sees them.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);

  std::string token, control_token, error;
  if (!ochopod::read_secret_file(settings.token_file, &token, &error)) {
    std::fprintf(stderr, "servo: %s\n", error.c_str());
    return 2;
  }
  RunSettings run;
  run.token = token;
  run.timeout = settings.script_timeout;
  if (!settings.control_token_file.empty()) {
    if (!ochopod::read_secret_file(settings.control_token_file, &control_token, &error)) {
      std::fprintf(stderr, "servo: %s\n", error.c_str());
      return 2;
    }
    // The one token a child of ours gets: these scripts are the operator's
    // own, driving clusters as the operator would.
    run.env["OCHOPOD_TOKEN"] = control_token;
  } else {
    run.unset.push_back("OCHOPOD_TOKEN");
  }
  // The pod's own ZooKeeper setting may carry credentials: the scripts get
  // OCHOPOD_ZK instead, without them.
  run.unset.push_back("ochopod_zk");
  if (!settings.zk.empty()) run.env["OCHOPOD_ZK"] = settings.zk;
  const char* path = std::getenv("PATH");
  run.env["PATH"] = settings.bin_dir.empty()
                        ? std::string(path ? path : "/usr/bin:/bin")
                        : settings.bin_dir + ":" + (path ? path : "/usr/bin:/bin");

  std::mutex one_at_a_time;
  httplib::Server server;
  // The multipart envelope around the archive is small: 64 KiB is plenty. A
  // bigger body is 413 from httplib before it is read.
  server.set_payload_max_length(settings.max_upload + 64 * 1024);
  server.set_read_timeout(std::chrono::seconds(30));
  server.set_write_timeout(std::chrono::seconds(30));
  server.set_keep_alive_max_count(10);

  server.Get("/ping", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("pong\n", "text/plain");
  });
  server.Post(R"(/run/(.+))", [&](const httplib::Request& req, httplib::Response& res) {
    const bool json = req.get_header_value("Accept").find("application/json") != std::string::npos;
    const std::string scripts = req.matches[1];
    const std::string call = "POST /run/" + printable(scripts) + " from " + req.remote_addr;
    auto refuse = [&](int status, const std::string& why) {
      std::printf("servo: %s: %d (%s)\n", call.c_str(), status, printable(why).c_str());
      std::fflush(stdout);
      answer(res, json, status, refusal(why));
    };
    if (!req.has_file("tgz")) return refuse(400, "no multipart field 'tgz'");
    const std::string tgz = req.get_file_value("tgz").content;
    if (tgz.size() > settings.max_upload) {
      return refuse(413, "the archive is over " + std::to_string(settings.max_upload) + " bytes");
    }
    if (!ochopod::upload_signature_matches(req.get_header_value("X-Signature"), token, tgz)) {
      return refuse(403, "missing or wrong X-Signature");
    }
    std::lock_guard<std::mutex> lock(one_at_a_time);
    try {
      UploadDir dir;
      try {
        ochopod::unpack_tgz(tgz, dir.path());
      } catch (const ochopod::ArchiveError& e) {
        return refuse(e.too_large() ? 413 : 400, std::string("archive refused: ") + e.what());
      }
      const RunResult result = run_upload(dir.path(), split_scripts(scripts), run);
      const std::string outcome = result.ok ? "ok"
                                            : "failed (" +
                                                  printable(result.failed.value_or("the upload")) +
                                                  ", code " + std::to_string(result.code) + ")";
      std::printf("servo: %s: %s\n", call.c_str(), outcome.c_str());
      std::fflush(stdout);
      answer(res, json, result.ok ? 200 : 412, result);
    } catch (const std::exception& e) {
      refuse(500, std::string("unexpected failure: ") + e.what());
    }
  });

  if (!server.bind_to_port("0.0.0.0", settings.port)) {
    std::fprintf(stderr, "servo: cannot listen on port %d\n", settings.port);
    return 2;
  }
  std::printf("servo: listening on port %d\n", settings.port);
  std::fflush(stdout);
  std::thread listener([&] { server.listen_after_bind(); });
  int received = 0;
  sigwait(&stop, &received);
  std::printf("servo: signal %d, stopping\n", received);
  std::fflush(stdout);
  stop_all_scripts();
  server.stop();
  listener.join();
  return 0;
}

}  // namespace servo
