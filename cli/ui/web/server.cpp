#include "cli/ui/web/server.h"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>

namespace ochopod::cli::ui {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr size_t kHeaderLimit = 16 * 1024;
constexpr size_t kBodyLimit = 64 * 1024;
constexpr std::chrono::seconds kRequestDeadline{10};
constexpr std::chrono::seconds kWriteDeadline{30};
constexpr size_t kStreamBacklog = 1 << 20;

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// %XX decoded; '+' as a space only in forms (plus_is_space).
std::string percent_decode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '+' && plus_is_space) {
      out += ' ';
    } else if (c == '%' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 &&
               hex_value(text[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

struct Shared;

// One connection: requests answered in turn (keep-alive), or, once a reply
// streams, an event stream until either side closes.
class Connection : public EventSink, public std::enable_shared_from_this<Connection> {
 public:
  Connection(tcp::socket socket, std::shared_ptr<Shared> shared);
  ~Connection() override;
  void start() { read_request(); }

  void send(std::string text) override;
  bool open() const override { return streaming_ && !closed_; }
  void on_close(std::function<void()> fn) override { on_close_ = std::move(fn); }
  void close() override;

 private:
  void read_request();
  void answer();
  void write(WebReply reply, unsigned version, bool keep_alive);
  void start_stream(const WebReply& reply);
  void write_next();
  void watch_hangup();
  void finish();

  beast::tcp_stream stream_;
  std::shared_ptr<Shared> shared_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::string peer_;
  bool streaming_ = false;
  bool closed_ = false;
  bool writing_ = false;
  std::deque<std::string> queue_;
  size_t queued_ = 0;
  std::function<void()> on_close_;
  std::array<char, 256> sink_{};
};

// The way into the I/O thread for other threads; closed once the server
// stops, so a late answer is dropped instead of touching a dead loop.
struct Outbox {
  std::mutex mu;
  asio::io_context* io = nullptr;

  void post(std::function<void()> fn) {
    std::lock_guard lock(mu);
    if (io != nullptr) asio::post(*io, std::move(fn));
  }
};

struct Shared {
  WebServer::Router router;
  std::shared_ptr<Outbox> io = std::make_shared<Outbox>();
  std::atomic<size_t> connections{0};
  size_t max_connections = 256;
  // Open streams, so stop() can end them; the connections remove themselves.
  std::vector<std::weak_ptr<Connection>> streams;
};

Connection::Connection(tcp::socket socket, std::shared_ptr<Shared> shared)
    : stream_(std::move(socket)), shared_(std::move(shared)) {
  ++shared_->connections;
  beast::error_code ec;
  const auto remote = stream_.socket().remote_endpoint(ec);
  if (!ec) peer_ = remote.address().to_string();
}

Connection::~Connection() { --shared_->connections; }

void Connection::read_request() {
  parser_.emplace();
  parser_->header_limit(kHeaderLimit);
  parser_->body_limit(kBodyLimit);
  stream_.expires_after(kRequestDeadline);
  http::async_read(stream_, buffer_, *parser_,
                   [self = shared_from_this()](beast::error_code ec, size_t) {
                     if (ec == http::error::body_limit || ec == http::error::header_limit) {
                       spdlog::debug("[ui] {}: request too large, closing", self->peer_);
                     }
                     if (ec) return self->finish();
                     self->answer();
                   });
}

std::string status_line(int status) {
  return std::string(http::obsolete_reason(static_cast<http::status>(status)));
}

void Connection::answer() {
  auto request = parser_->release();
  WebRequest in;
  in.method = std::string(request.method_string());
  const std::string_view target(request.target().data(), request.target().size());
  const size_t q = target.find('?');
  in.path = percent_decode(target.substr(0, q), false);
  if (q != std::string_view::npos) in.query = parse_form(target.substr(q + 1));
  for (const auto& field : request) {
    std::string name(field.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    in.headers.emplace_back(std::move(name), std::string(field.value()));
  }
  in.body = std::move(request.body());
  in.peer = peer_;
  WebReply reply = shared_->router(in);
  if (reply.stream) return start_stream(reply);
  if (reply.later) {
    auto io = shared_->io;
    reply.later([self = shared_from_this(), io, version = request.version(),
                 keep = request.keep_alive()](WebReply done) {
      io->post([self, version, keep, done = std::move(done)]() mutable {
        self->write(std::move(done), version, keep);
      });
    });
    return;
  }
  write(std::move(reply), request.version(), request.keep_alive());
}

void Connection::write(WebReply reply, unsigned version, bool keep_alive) {
  auto response = std::make_shared<http::response<http::string_body>>(
      static_cast<http::status>(reply.status), version);
  response->set(http::field::content_type, reply.content_type);
  for (const auto& [name, value] : reply.headers) response->set(name, value);
  response->body() = std::move(reply.body);
  response->keep_alive(keep_alive);
  response->prepare_payload();
  stream_.expires_after(kWriteDeadline);
  http::async_write(stream_, *response,
                    [self = shared_from_this(), response](beast::error_code ec, size_t) {
                      if (ec || !response->keep_alive()) return self->finish();
                      self->read_request();
                    });
}

void Connection::start_stream(const WebReply& reply) {
  streaming_ = true;
  std::string head = "HTTP/1.1 200 " + status_line(200) +
                     "\r\nContent-Type: text/event-stream\r\nConnection: close\r\n";
  for (const auto& [name, value] : reply.headers) head += name + ": " + value + "\r\n";
  head += "\r\n";
  auto& streams = shared_->streams;
  std::erase_if(streams, [](const std::weak_ptr<Connection>& s) { return s.expired(); });
  streams.push_back(weak_from_this());
  send(std::move(head));
  watch_hangup();
  reply.stream(shared_from_this());
}

void Connection::send(std::string text) {
  if (closed_) return;
  queued_ += text.size();
  if (queued_ > kStreamBacklog) {
    spdlog::info("[ui] {}: stream client reads nothing, closing it", peer_);
    return close();
  }
  queue_.push_back(std::move(text));
  if (!writing_) write_next();
}

void Connection::write_next() {
  if (queue_.empty() || closed_) {
    writing_ = false;
    return;
  }
  writing_ = true;
  stream_.expires_after(kWriteDeadline);
  asio::async_write(stream_, asio::buffer(queue_.front()),
                    [self = shared_from_this()](beast::error_code ec, size_t) {
                      if (ec) return self->close();
                      self->queued_ -= self->queue_.front().size();
                      self->queue_.pop_front();
                      self->write_next();
                    });
}

// A browser sends nothing on an event stream: any read completing means it
// went away (or misbehaves), which ends the stream.
void Connection::watch_hangup() {
  stream_.socket().async_read_some(asio::buffer(sink_),
                                   [self = shared_from_this()](beast::error_code ec, size_t) {
                                     if (ec) return self->close();
                                     self->watch_hangup();
                                   });
}

void Connection::close() {
  if (closed_) return;
  closed_ = true;
  beast::error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
  stream_.socket().close(ec);
  finish();
}

void Connection::finish() {
  if (!closed_) {
    closed_ = true;
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
  }
  if (auto fn = std::move(on_close_)) {
    on_close_ = nullptr;
    fn();
  }
}

}  // namespace

std::string param(const Params& params, std::string_view key) {
  for (const auto& [k, v] : params) {
    if (k == key) return v;
  }
  return "";
}

std::vector<std::string> params(const Params& params, std::string_view key) {
  std::vector<std::string> out;
  for (const auto& [k, v] : params) {
    if (k == key) out.push_back(v);
  }
  return out;
}

Params parse_form(std::string_view text) {
  Params out;
  while (!text.empty()) {
    const size_t amp = text.find('&');
    const std::string_view pair = text.substr(0, amp);
    if (!pair.empty()) {
      const size_t eq = pair.find('=');
      out.emplace_back(
          percent_decode(pair.substr(0, eq), true),
          eq == std::string_view::npos ? "" : percent_decode(pair.substr(eq + 1), true));
    }
    if (amp == std::string_view::npos) break;
    text.remove_prefix(amp + 1);
  }
  return out;
}

std::string url_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 15];
    }
  }
  return out;
}

std::string WebRequest::header(std::string_view lower_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_name) return value;
  }
  return "";
}

struct WebServer::Impl {
  Options options;
  std::shared_ptr<Shared> shared = std::make_shared<Shared>();
  asio::io_context io{1};
  tcp::acceptor acceptor{io};
  std::thread thread;
  std::mutex mu;  // guards stopped, for post() from other threads
  bool stopped = false;
  int port = 0;

  void accept() {
    acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted) return;
      if (!ec) {
        if (shared->connections.load() >= shared->max_connections) {
          spdlog::warn("[ui] {} connections open: refusing one more", shared->max_connections);
        } else {
          std::make_shared<Connection>(std::move(socket), shared)->start();
        }
      }
      accept();
    });
  }
};

WebServer::WebServer(Options options, Router router) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->shared->router = std::move(router);
  impl_->shared->max_connections = impl_->options.max_connections;
}

WebServer::~WebServer() { stop(); }

bool WebServer::start(std::string* error) {
  beast::error_code ec;
  tcp::resolver resolver(impl_->io);
  // A name ("localhost") is resolved once, here; its first address is used.
  const auto found = resolver.resolve(impl_->options.host, std::to_string(impl_->options.port),
                                      tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec || found.empty()) {
    *error = "--listen: cannot resolve '" + impl_->options.host + "'" +
             (ec ? ": " + ec.message() : std::string());
    return false;
  }
  const tcp::endpoint endpoint = found.begin()->endpoint();
  auto& acceptor = impl_->acceptor;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    *error = "cannot listen on " + impl_->options.host + ":" + std::to_string(impl_->options.port) +
             ": " + ec.message();
    return false;
  }
  impl_->port = acceptor.local_endpoint().port();
  {
    std::lock_guard lock(impl_->shared->io->mu);
    impl_->shared->io->io = &impl_->io;
  }
  impl_->accept();
  impl_->thread = std::thread([this] {
    pthread_setname_np(pthread_self(), "ui-http");
    impl_->io.run();
  });
  return true;
}

int WebServer::port() const { return impl_->port; }

void WebServer::post(std::function<void()> fn) {
  std::lock_guard lock(impl_->mu);
  if (!impl_->stopped) asio::post(impl_->io, std::move(fn));
}

void WebServer::post_after(std::chrono::milliseconds delay, std::function<void()> fn) {
  std::lock_guard lock(impl_->mu);
  if (impl_->stopped) return;
  auto timer = std::make_shared<asio::steady_timer>(impl_->io, delay);
  timer->async_wait([timer, fn = std::move(fn)](beast::error_code ec) {
    if (!ec) fn();
  });
}

void WebServer::stop() {
  {
    std::lock_guard lock(impl_->mu);
    if (impl_->stopped) return;
    impl_->stopped = true;
  }
  {
    std::lock_guard lock(impl_->shared->io->mu);
    impl_->shared->io->io = nullptr;
  }
  if (impl_->thread.joinable()) {
    asio::post(impl_->io, [this] {
      beast::error_code ec;
      impl_->acceptor.close(ec);
      for (auto& weak : impl_->shared->streams) {
        if (auto stream = weak.lock()) stream->close();
      }
      impl_->shared->streams.clear();
      impl_->io.stop();
    });
    impl_->thread.join();
  }
}

}  // namespace ochopod::cli::ui
