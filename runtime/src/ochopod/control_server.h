// ControlServer: the pod's HTTP control port (PROTOCOL.md 5).
//
// A thin shell over cpp-httplib: it parses and validates requests, refuses
// what it cannot bound (bodies over the cap, chunked or compressed bodies),
// and hands the rest to the handlers, which belong to other owners (hints,
// request queue, coordinator). Every answer is application/json; every error
// body is {}. Runs its own "http" listener thread plus cpp-httplib's pool.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "ochopod/control.h"
#include "ochopod/tool_box.h"

namespace ochopod {

struct ControlHandlers {
  std::function<nlohmann::json()> info;
  std::function<nlohmann::json()> log;
  std::function<void()> reset;
  // Runs a control request; timeout as given in the URL (default 60 s).
  std::function<ControlReply(ControlRequest, std::chrono::duration<double>)> control;
  // /exec: the X-Shell line and the uploads. Null: every call is 404.
  std::function<ExecReply(const std::string& shell, std::vector<Upload> uploads)> exec;
};

class ControlServer {
 public:
  struct Options {
    std::string bind = "0.0.0.0";
    int port = 8080;
    size_t max_body = 1 << 20;  // bytes
    size_t threads = 8;         // a held /control call keeps one busy; keep-alive is short
  };

  ControlServer(Options options, ControlHandlers handlers);
  ~ControlServer();  // stops and joins

  // Binds and starts serving; false with *error set if the port is taken.
  bool start(std::string* error);
  void stop();
  int port() const;  // the bound port (useful with port 0)

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// "/control/<task>[/<timeout>]" -> task and timeout, or the HTTP error code.
struct ParsedControlPath {
  int error = 0;  // 0, 400 or 404
  std::string task;
  double timeout_seconds = 60;
};
ParsedControlPath parse_control_path(const std::string& path);

}  // namespace ochopod
