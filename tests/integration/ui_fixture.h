// Fixtures for `ochopod ui`'s integration tests (ui_test.cpp, ui_actions_test.cpp,
// the dashboard as a real process against a real ZooKeeper and real pods.
//
// UiProcess runs `ochopod ui --zk <zk> --listen 127.0.0.1:0 --ui-token-file
// <f> [extra...]` with its output in a log file, reads the port and the
// one-time login code from the line it prints at start (polling the log
// with a deadline), and stops it (SIGTERM, then SIGKILL) when destroyed.
// ui_get/ui_post make single HTTP calls to it (cpp-httplib, bounded
// timeouts); SseStream reads an event stream on a thread of its own and keeps
// every event with the moment it arrived, so tests can measure latencies.
// UiLive is the tests' fixture: the UIs a test starts, and a wait for one to
// see a cluster's pods answer. HTTPS pods take harness/tls_files.h.
#pragma once

#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <sys/wait.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "cli_ops_fixture.h"
#include "harness/files.h"
#include "harness/spawn.h"
#include "harness/temp_dir.h"
#include "harness/tls_files.h"
#include "harness/wait.h"

namespace ochopod::test {

using namespace std::chrono_literals;

// The operators' token every UiProcess is given.
inline constexpr char kUiToken[] = "ui-0per4tor-T0ken-Qx93";

struct UiReply {
  int status = 0;  // 0: no HTTP answer; error says why
  std::string body;
  httplib::Headers headers;
  std::string error;
  nlohmann::json json() const { return nlohmann::json::parse(body, nullptr, false); }
  std::string header(const std::string& name) const {
    const auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

inline httplib::Headers ui_bearer(const std::string& token = kUiToken) {
  return {{"Authorization", "Bearer " + token}};
}

inline UiReply ui_reply_of(const httplib::Result& result) {
  UiReply out;
  if (!result) {
    out.error = httplib::to_string(result.error());
    return out;
  }
  out.status = result->status;
  out.body = result->body;
  out.headers = result->headers;
  return out;
}

inline UiReply ui_get(int port, const std::string& path, const httplib::Headers& headers = {}) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(2, 0);
  client.set_read_timeout(10, 0);
  return ui_reply_of(client.Get(path.c_str(), headers));
}

inline UiReply ui_post(int port, const std::string& path, const std::string& body,
                       const std::string& content_type, const httplib::Headers& headers = {}) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(2, 0);
  client.set_read_timeout(10, 0);
  return ui_reply_of(client.Post(path.c_str(), headers, body, content_type.c_str()));
}

inline UiReply ui_post_json(int port, const std::string& path, const nlohmann::json& body,
                            const httplib::Headers& headers = ui_bearer()) {
  return ui_post(port, path, body.dump(), "application/json", headers);
}

inline std::string describe(const UiReply& r) {
  if (r.status == 0) return "no answer: " + r.error;
  return "HTTP " + std::to_string(r.status) + ": " + r.body;
}

class UiProcess {
 public:
  // extra: more `ochopod ui` arguments (--read-only, --tls-ca=..., --refresh=...).
  UiProcess(const std::string& zk, std::vector<std::string> extra = {}) {
    write_text(dir_.file("ui-token"), std::string(kUiToken) + "\n");
    std::vector<std::string> argv = {OCHOPOD_BIN, "ui", "--zk=" + zk, "--listen=127.0.0.1:0",
                                     "--ui-token-file=" + dir_.file("ui-token")};
    argv.insert(argv.end(), extra.begin(), extra.end());
    SpawnOptions options;
    options.argv = argv;
    pid_ = spawn_logging_to(options, log_path());
  }
  ~UiProcess() { stop(); }
  UiProcess(const UiProcess&) = delete;
  UiProcess& operator=(const UiProcess&) = delete;

  // Waits for the login line; then port() and code() are set.
  testing::AssertionResult started(std::chrono::milliseconds deadline = 20s) {
    static const std::regex line(
        R"(ochopod ui: open http://127\.0\.0\.1:([0-9]+)/login\?code=([0-9a-f]+) \(one-time, 10 min\))");
    std::optional<int> exited;
    auto ready = wait_until(
        [&] {
          std::smatch m;
          const std::string text = log();
          if (std::regex_search(text, m, line)) {
            port_ = std::stoi(m[1].str());
            code_ = m[2].str();
            return true;
          }
          if (!exited) exited = wait_pid(pid_, 0ms);
          return exited.has_value();
        },
        deadline, "`ochopod ui` printing its login URL");
    if (!ready || port_ == 0) {
      if (exited) {
        reaped_ = true;
        status_ = *exited;
      }
      return testing::AssertionFailure()
             << (ready ? "`ochopod ui` exited (" + describe_status(*exited) + ")" : "")
             << ready.message() << "\n--- its output\n"
             << log();
    }
    return testing::AssertionSuccess();
  }

  // SIGTERM, then up to 10 s for it to exit (SIGKILL after). The raw wait
  // status; nullopt if it had to be killed.
  std::optional<int> stop() {
    if (reaped_) return status_;
    reaped_ = true;
    ::kill(pid_, SIGTERM);
    status_ = wait_pid(pid_, 10s);
    if (!status_) {
      kill_and_reap(pid_);
      return std::nullopt;
    }
    return status_;
  }

  int port() const { return port_; }
  const std::string& code() const { return code_; }
  std::string log_path() const { return dir_.file("ui.log"); }
  std::string log() const {
    return std::filesystem::exists(log_path()) ? read_text(log_path()) : std::string();
  }

  UiReply get(const std::string& path, const httplib::Headers& headers = ui_bearer()) const {
    return ui_get(port_, path, headers);
  }
  nlohmann::json get_json(const std::string& path) const { return get(path).json(); }

 private:
  TempDir dir_{"ochopod-ui-"};
  pid_t pid_ = -1;
  bool reaped_ = false;
  std::optional<int> status_;
  int port_ = 0;
  std::string code_;
};

// GET <path> as text/event-stream on a thread of its own; every event kept
// with the moment it arrived.
class SseStream {
 public:
  struct Event {
    std::string name;  // "fragment", "log", "zk"...; "message" if none
    std::string data;
    std::chrono::steady_clock::time_point at;
    nlohmann::json json() const { return nlohmann::json::parse(data, nullptr, false); }
  };

  SseStream(int port, std::string path, httplib::Headers headers = ui_bearer())
      : client_("127.0.0.1", port) {
    client_.set_connection_timeout(2, 0);
    client_.set_read_timeout(30, 0);  // longer than the 15 s between pings
    thread_ = std::thread([this, path = std::move(path), headers = std::move(headers)] {
      auto result = client_.Get(
          path.c_str(), headers,
          [this](const httplib::Response& response) {
            std::lock_guard lock(mu_);
            status_ = response.status;
            content_type_ = response.get_header_value("Content-Type");
            return !stopping_;
          },
          [this](const char* data, size_t size) {
            take(std::string(data, size));
            return !stopping_.load();
          });
      std::lock_guard lock(mu_);
      if (!result) error_ = httplib::to_string(result.error());
      done_ = true;
    });
  }
  ~SseStream() {
    stopping_ = true;
    // stop() only aborts a request whose socket is open: repeat until the
    // thread is out of Get (bounded by the read timeout anyway).
    const auto until = std::chrono::steady_clock::now() + 35s;
    while (!finished() && std::chrono::steady_clock::now() < until) {
      client_.stop();
      std::this_thread::sleep_for(20ms);
    }
    thread_.join();
  }
  SseStream(const SseStream&) = delete;
  SseStream& operator=(const SseStream&) = delete;

  std::vector<Event> events() const {
    std::lock_guard lock(mu_);
    return events_;
  }
  size_t size() const {
    std::lock_guard lock(mu_);
    return events_.size();
  }
  int status() const {
    std::lock_guard lock(mu_);
    return status_;
  }
  std::string content_type() const {
    std::lock_guard lock(mu_);
    return content_type_;
  }
  bool finished() const {
    std::lock_guard lock(mu_);
    return done_;
  }
  std::string error() const {
    std::lock_guard lock(mu_);
    return error_;
  }

  // The first event from index `from` on that pred accepts.
  std::optional<Event> find(size_t from, const std::function<bool(const Event&)>& pred) const {
    std::lock_guard lock(mu_);
    for (size_t i = from; i < events_.size(); ++i) {
      if (pred(events_[i])) return events_[i];
    }
    return std::nullopt;
  }

  // Every event so far, for failure messages (each data cut to 300 chars).
  std::string transcript() const {
    std::lock_guard lock(mu_);
    std::string out;
    for (size_t i = 0; i < events_.size(); ++i) {
      out += "#" + std::to_string(i) + " " + events_[i].name + ": " +
             events_[i].data.substr(0, 300) + "\n";
    }
    return out + (error_.empty() ? "" : "(ended: " + error_ + ")\n");
  }

 private:
  // Blocks are separated by a blank line; lines are "event: x", "data: y" or
  // ": comment".
  void take(std::string text) {
    const auto now = std::chrono::steady_clock::now();
    std::lock_guard lock(mu_);
    for (char c : text) {
      if (c != '\r') buffer_ += c;
    }
    size_t end;
    while ((end = buffer_.find("\n\n")) != std::string::npos) {
      const std::string block = buffer_.substr(0, end + 1);
      buffer_.erase(0, end + 2);
      Event e;
      e.at = now;
      bool any = false;
      size_t start = 0;
      while (start < block.size()) {
        const size_t nl = block.find('\n', start);
        const std::string line = block.substr(start, nl - start);
        start = nl + 1;
        if (line.rfind("event:", 0) == 0) {
          e.name = line.substr(line.size() > 6 && line[6] == ' ' ? 7 : 6);
          any = true;
        } else if (line.rfind("data:", 0) == 0) {
          if (any && !e.data.empty()) e.data += "\n";
          e.data += line.substr(line.size() > 5 && line[5] == ' ' ? 6 : 5);
          any = true;
        }
      }
      if (!any) continue;  // a comment (": ping")
      if (e.name.empty()) e.name = "message";
      events_.push_back(std::move(e));
    }
  }

  httplib::Client client_;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  mutable std::mutex mu_;
  std::string buffer_;
  std::vector<Event> events_;
  int status_ = 0;
  std::string content_type_;
  std::string error_;
  bool done_ = false;
};

// The UI tests' fixture: every `ochopod ui` a test starts (its log dumped if
// the test failed), and a wait for the UI to see a cluster's pods answer.
class UiLive : public CliOpsLive {
 protected:
  void TearDown() override {
    for (const auto& ui : uis_) dump_log_if_failed("ochopod ui", ui->log_path());
  }

  testing::AssertionResult start_ui(std::vector<std::string> extra, UiProcess** ui) {
    uis_.push_back(std::make_unique<UiProcess>(zk.connect_string(), std::move(extra)));
    *ui = uis_.back().get();
    return (*ui)->started();
  }

  // Until the UI's pods JSON of cluster lists n pods that all answered ok.
  testing::AssertionResult ui_sees_ok(const UiProcess& ui, const std::string& cluster, size_t n,
                                      std::chrono::milliseconds deadline = 10s) {
    nlohmann::json last;
    auto seen = wait_until(
        [&] {
          last = ui.get_json("/api/v1/clusters/" + cluster + "/pods");
          if (!last.is_object() || last.size() != n) return false;
          for (const auto& [key, e] : last.items()) {
            // Before its first picture the UI answers 503 {"error": ...}, an
            // object of one entry too.
            if (!e.is_object() || e.value("ok", false) != true) return false;
          }
          return true;
        },
        deadline, "the UI showing " + std::to_string(n) + " pods of " + cluster + " answering");
    if (!seen) return seen << "\nlast: " << last.dump();
    return seen;
  }

  std::vector<std::unique_ptr<UiProcess>> uis_;
};

}  // namespace ochopod::test
