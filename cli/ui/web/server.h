// WebServer: the dashboard's one HTTP port (docs/ui.md): pages, the JSON
// API, assets and the event streams, plain HTTP/1.1 on one "ui-http" I/O
// thread (Boost.Beast), so idle browsers and open streams hold no thread.
//
// It bounds what it reads (headers 16 KiB, bodies 64 KiB, 10 s for a whole
// request, 256 connections) and hands each complete request to the router
// (routes.h), which answers at once on this thread. A streaming answer keeps
// its connection as an EventSink that Streams (streams.h) writes to, also on
// this thread. Other threads reach it only through post().
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ochopod::cli::ui {

using Params = std::vector<std::pair<std::string, std::string>>;  // in order; keys repeat

// The first value of key, "" if none; every value of key.
std::string param(const Params& params, std::string_view key);
std::vector<std::string> params(const Params& params, std::string_view key);
// "a=1&b=%20x+y" -> {{"a","1"},{"b"," x y"}} (application/x-www-form-urlencoded).
Params parse_form(std::string_view text);
std::string url_encode(std::string_view text);

struct WebRequest {
  std::string method;  // "GET", "POST"...
  std::string path;    // the target before '?', percent-decoded
  Params query;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;
  std::string peer;  // the client's address

  std::string header(std::string_view lower_name) const;  // "" if absent
};

// An open event stream (text/event-stream). I/O thread only.
class EventSink {
 public:
  virtual ~EventSink() = default;
  // Queued and written in order; a client that reads nothing for long (more
  // than 1 MiB queued) is disconnected.
  virtual void send(std::string text) = 0;
  virtual bool open() const = 0;
  // Runs once when the connection ends, whoever ends it.
  virtual void on_close(std::function<void()> fn) = 0;
  virtual void close() = 0;
};

struct WebReply {
  int status = 200;
  std::string content_type = "text/html; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // Set: the answer is a 200 event stream with these headers, and the
  // connection is handed over once they are written.
  std::function<void(std::shared_ptr<EventSink>)> stream;
  // Set instead: the answer comes later. The router's work (off this thread)
  // calls the function it is given, once, from any thread.
  std::function<void(std::function<void(WebReply)>)> later;
};

class WebServer {
 public:
  using Router = std::function<WebReply(const WebRequest&)>;
  struct Options {
    std::string host = "127.0.0.1";
    int port = 0;  // 0: any free port
    size_t max_connections = 256;
  };

  WebServer(Options options, Router router);
  ~WebServer();  // stop()
  WebServer(const WebServer&) = delete;
  WebServer& operator=(const WebServer&) = delete;

  // Binds and starts the "ui-http" thread; false with *error if it cannot bind.
  bool start(std::string* error);
  int port() const;
  // Runs fn on the I/O thread (any thread); dropped once stopped.
  void post(std::function<void()> fn);
  // Runs fn on the I/O thread after delay; dropped once stopped.
  void post_after(std::chrono::milliseconds delay, std::function<void()> fn);
  // Closes every connection and joins the thread. Idempotent.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ochopod::cli::ui
