#include "ochopod/control_server.h"

#include <httplib.h>
#include <pthread.h>
#include <spdlog/spdlog.h>

#include <cmath>
#include <cstdlib>
#include <set>

#include "ochopod/text.h"

namespace ochopod {

using nlohmann::json;

namespace {

const std::set<std::string> kTasks = {"check", "on", "off", "ok", "kill", "signal"};
constexpr char kJson[] = "application/json";

void reply(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(to_json(body), kJson);
}

bool is_get_path(const std::string& path) { return path == "/info" || path == "/log"; }
bool is_known_path(const std::string& path) {
  return is_get_path(path) || path == "/reset" || path == "/exec" || path == "/control" ||
         path.rfind("/control/", 0) == 0;
}

}  // namespace

ParsedControlPath parse_control_path(const std::string& path) {
  ParsedControlPath out;
  constexpr std::string_view kPrefix = "/control/";
  if (path.rfind(kPrefix, 0) != 0) {
    out.error = 404;
    return out;
  }
  std::string rest = path.substr(kPrefix.size());
  const size_t slash = rest.find('/');
  out.task = rest.substr(0, slash);
  if (!kTasks.count(out.task)) {
    out.error = 400;
    return out;
  }
  if (slash != std::string::npos) {
    const std::string timeout = rest.substr(slash + 1);
    try {
      size_t used = 0;
      out.timeout_seconds = std::stod(timeout, &used);
      if (used != timeout.size() || !std::isfinite(out.timeout_seconds) ||
          out.timeout_seconds < 0 || out.timeout_seconds > 86400) {
        out.error = 400;
      }
    } catch (const std::exception&) {
      out.error = 400;
    }
  }
  return out;
}

struct ControlServer::Impl {
  Options options;
  ControlHandlers handlers;
  httplib::Server server;
  std::thread listener;
  int bound_port = 0;

  void routes();
};

void ControlServer::Impl::routes() {
  const size_t max_body = options.max_body;
  // Runs before the body is read: refuse what the size cap cannot bound, and
  // answer 405 for known paths with the wrong method.
  server.set_pre_routing_handler([max_body](const httplib::Request& req, httplib::Response& res) {
    if (req.has_header("Transfer-Encoding") || req.has_header("Content-Encoding")) {
      spdlog::warn("{} {}: chunked or encoded bodies are refused", req.method, req.path);
      reply(res, 411, json::object());
      // The unread body would be parsed as the next request: end the connection.
      res.set_header("Connection", "close");
      return httplib::Server::HandlerResponse::Handled;
    }
    const auto length = std::strtoull(req.get_header_value("Content-Length").c_str(), nullptr, 10);
    if (length > max_body) {
      spdlog::warn("{} {}: body of {} bytes over the {} byte cap", req.method, req.path, length,
                   max_body);
      reply(res, 413, json::object());
      res.set_header("Connection", "close");
      return httplib::Server::HandlerResponse::Handled;
    }
    if (req.method == "POST" && !req.has_header("Content-Length")) {
      // `curl -X POST` sends no length; cpp-httplib would answer 400. A POST
      // with neither length nor chunking has an empty body (RFC 9112 6.3).
      const_cast<httplib::Request&>(req).headers.emplace("Content-Length", "0");
    }
    const bool allowed = req.method == "POST" || (req.method == "GET" && is_get_path(req.path));
    if (is_known_path(req.path) && !allowed) {
      reply(res, 405, json::object());
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
  // Whatever cpp-httplib answers by itself (404, 413, 400) still gets {}.
  server.set_error_handler(
      httplib::Server::HandlerWithResponse([](const httplib::Request&, httplib::Response& res) {
        if (res.body.empty()) res.set_content("{}", kJson);
        return httplib::Server::HandlerResponse::Handled;
      }));

  auto info = [this](const httplib::Request&, httplib::Response& res) {
    reply(res, 200, handlers.info());
  };
  auto log = [this](const httplib::Request&, httplib::Response& res) {
    reply(res, 200, handlers.log());
  };
  server.Post("/info", info);
  server.Get("/info", info);
  server.Post("/log", log);
  server.Get("/log", log);
  server.Post("/reset", [this](const httplib::Request&, httplib::Response& res) {
    spdlog::info("/reset: dropping the ZooKeeper session on request");
    handlers.reset();
    reply(res, 200, json::object());
  });
  server.Post(R"(/control/.*)", [this](const httplib::Request& req, httplib::Response& res) {
    const auto parsed = parse_control_path(req.path);
    if (parsed.error != 0) {
      spdlog::warn("{}: unknown task or bad timeout", req.path);
      reply(res, parsed.error, json::object());
      return;
    }
    ControlRequest request{parsed.task, std::nullopt};
    if (!req.body.empty()) {
      json body = json::parse(req.body, nullptr, false);
      if (body.is_discarded()) {
        spdlog::warn("{}: body is not JSON", req.path);
        reply(res, 400, json::object());
        return;
      }
      request.body = std::move(body);
    }
    const auto result =
        handlers.control(std::move(request), std::chrono::duration<double>(parsed.timeout_seconds));
    reply(res, result.code, result.code == 200 ? result.body : json::object());
  });
  server.Post("/exec", [this](const httplib::Request& req, httplib::Response& res) {
    if (!req.has_header("X-Shell")) {
      reply(res, 400, json::object());
      return;
    }
    std::vector<Upload> uploads;
    for (const auto& [field, file] : req.files) uploads.push_back({field, file.content});
    if (!handlers.exec) {
      reply(res, 404, json::object());
      return;
    }
    const auto result = handlers.exec(req.get_header_value("X-Shell"), std::move(uploads));
    reply(res, result.http_status, result.http_status == 200 ? result.body : json::object());
  });
}

ControlServer::ControlServer(Options options, ControlHandlers handlers)
    : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->handlers = std::move(handlers);
  impl_->routes();
  const size_t threads = impl_->options.threads;
  // cpp-httplib owns and deletes the queue it gets from this factory.
  impl_->server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  impl_->server.set_payload_max_length(impl_->options.max_body);
  // Without it every keep-alive answer waits out the client's delayed ACK
  // (~40 ms): 180 req/s instead of tens of thousands.
  impl_->server.set_tcp_nodelay(true);
  impl_->server.set_keep_alive_max_count(100);
  impl_->server.set_keep_alive_timeout(2);  // idle connections must not pin pool threads
  impl_->server.set_read_timeout(5, 0);
  impl_->server.set_write_timeout(5, 0);
}

ControlServer::~ControlServer() { stop(); }

bool ControlServer::start(std::string* error) {
  auto& s = impl_->server;
  if (impl_->options.port == 0) {
    impl_->bound_port = s.bind_to_any_port(impl_->options.bind);
  } else if (s.bind_to_port(impl_->options.bind, impl_->options.port)) {
    impl_->bound_port = impl_->options.port;
  } else {
    impl_->bound_port = -1;
  }
  if (impl_->bound_port <= 0) {
    *error = "cannot listen on " + impl_->options.bind + ":" + std::to_string(impl_->options.port);
    return false;
  }
  impl_->listener = std::thread([this] {
    pthread_setname_np(pthread_self(), "http");
    if (!impl_->server.listen_after_bind()) spdlog::debug("control server stopped listening");
  });
  spdlog::info("control port listening on {}:{}", impl_->options.bind, impl_->bound_port);
  return true;
}

void ControlServer::stop() {
  if (!impl_->listener.joinable()) return;
  // cpp-httplib ignores stop() until listen_after_bind() has begun: a stop
  // right after start() must wait for that (bounded, start-up race only).
  for (int i = 0; i < 500 && !impl_->server.is_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  impl_->server.stop();
  impl_->listener.join();
}

int ControlServer::port() const { return impl_->bound_port; }

}  // namespace ochopod
