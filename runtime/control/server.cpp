#include "runtime/control/server.h"

#include <poll.h>
#include <pthread.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cerrno>
#include <cmath>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "runtime/base/text.h"
#include "runtime/control/bearer.h"
#include "runtime/control/body/append_body.h"
#include "runtime/control/body/body_ref.h"
#include "runtime/control/body/fast_json.h"
#include "runtime/control/body/payload_cache.h"
#include "runtime/control/fence.h"
#include "runtime/control/multipart.h"
#include "runtime/control/routes.h"
#include "runtime/control/tls_stream.h"
#include "runtime/crypto/module.h"

namespace ochopod {

using nlohmann::json;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

using Request = http::request<AppendBody>;

constexpr char kJson[] = "application/json";
constexpr char kPrometheus[] = "text/plain; version=0.0.4";
constexpr size_t kHeaderLimit = 16 * 1024;
// Beast reads a body through the connection's buffer, at most its free
// capacity at a time, and that stays what the header needed: a large round
// body came in by the kilobyte, each read another wake-up and timer update.
constexpr size_t kBodyReadChunk = 64 * 1024;
// How often a pending /exec connection that has unread bytes (a pipelined
// request) is looked at for a hang-up: readiness no longer tells one then.
constexpr std::chrono::milliseconds kHangupRecheck{200};

// A header's value; nullopt when the request has none. name: a beast
// field or a header's name.
template <typename Name>
std::optional<std::string_view> header(const Request& req, Name name) {
  const auto it = req.find(name);
  if (it == req.end()) return std::nullopt;
  return std::string_view(it->value().data(), it->value().size());
}

std::string_view target_path(const Request& req) {
  const std::string_view target(req.target().data(), req.target().size());
  return target.substr(0, target.find('?'));
}

Method method_of(http::verb verb) {
  switch (verb) {
    case http::verb::get:
      return Method::kGet;
    case http::verb::head:
      return Method::kHead;
    case http::verb::post:
      return Method::kPost;
    default:
      return Method::kOther;
  }
}

// What a Responder needs of a connection, whether plain or TLS.
class SessionBase : public std::enable_shared_from_this<SessionBase> {
 public:
  virtual ~SessionBase() = default;
  // Writes the answer (the I/O thread); a late second one is ignored.
  virtual void respond(int status, std::string body) = 0;
  virtual void arm(std::chrono::duration<double> delay, std::function<void()> fn) = 0;
};

// The way into the I/O thread for other threads; closed (null) once the
// server stops, so late answers are dropped instead of touching a dead loop.
struct Outbox {
  std::mutex mu;
  asio::io_context* io = nullptr;

  template <typename F>
  void post(F&& f) {
    std::lock_guard<std::mutex> lock(mu);
    if (io) asio::post(*io, std::forward<F>(f));
  }
};

// What every session shares; touched only on the I/O thread, except
// `connections` (a session may be destroyed with the last Responder).
struct Shared {
  ControlServer::Options options;
  ControlHandlers handlers;
  std::shared_ptr<Outbox> outbox;
  std::atomic<size_t> connections{0};
  // Sessions waiting for a handler's answer: nothing else holds them then.
  std::set<std::shared_ptr<SessionBase>> waiting;
  PayloadCache payloads;
  FenceGate fences;  // the highest leader's fence accepted (fence.h)

  Probes probes() const { return {bool(handlers.healthz), bool(handlers.readyz)}; }
};

}  // namespace

struct Responder::State {
  std::atomic<bool> answered{false};
  std::shared_ptr<Outbox> outbox;
  std::weak_ptr<SessionBase> session;  // only locked on the I/O thread
  std::mutex mu;                       // guards the two below
  bool hung_up = false;
  std::function<void()> on_hangup;
  ~State();

  // The caller went away before its answer (the I/O thread): nothing will be
  // sent, and whoever waits for the work is told.
  void hang_up() {
    if (answered.exchange(true)) return;  // an answer is on its way: the work is done
    std::function<void()> fn;
    {
      std::lock_guard<std::mutex> lock(mu);
      hung_up = true;
      fn.swap(on_hangup);
    }
    if (fn) fn();
  }
};

namespace {

// One connection: read a request, answer it, repeat while keep-alive holds.
// Stream is beast::tcp_stream, or a TlsStream over one for --tls-cert.
// Every member is touched on the I/O thread only.
template <typename Stream>
class Session : public SessionBase {
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

 public:
  template <typename... Tls>
  Session(tcp::socket socket, Shared& shared, Tls&&... tls)
      : stream_(std::move(socket), std::forward<Tls>(tls)...),
        timer_(stream_.get_executor()),
        watch_timer_(stream_.get_executor()),
        shared_(shared) {
    ++shared_.connections;
  }
  ~Session() override { --shared_.connections; }

  void start() {
    beast::error_code ec;
    // Without it every keep-alive answer waits out the client's delayed ACK.
    tcp_layer().socket().set_option(tcp::no_delay(true), ec);
    if constexpr (kTls) {
      tcp_layer().expires_after(shared_.options.request_deadline);
      stream_.async_handshake([self = self()](beast::error_code ec) {
        if (ec) {
          spdlog::debug("control port: TLS handshake failed ({})",
                        ec == tls_failed() ? self->stream_.error() : ec.message());
          return self->close();
        }
        self->read_next();
      });
    } else {
      read_next();
    }
  }

  void respond(int status, std::string body) override { send(status, std::move(body), kJson); }

  // The caller of the pending request (an /exec) hung up.
  void hung_up() {
    answered_ = true;
    stop_watching();
    timer_.cancel();
    shared_.waiting.erase(shared_from_this());
    if (auto state = pending_.lock()) state->hang_up();
    close();
  }

  void arm(std::chrono::duration<double> delay, std::function<void()> fn) override {
    if (answered_) return;
    timer_.expires_after(std::chrono::duration_cast<asio::steady_timer::duration>(delay));
    timer_.async_wait([self = self(), fn = std::move(fn)](beast::error_code ec) {
      if (!ec && !self->answered_) fn();
    });
  }

 private:
  void send(int status, std::string body, const char* content_type) {
    if (answered_) return;
    answered_ = true;
    stop_watching();
    timer_.cancel();
    shared_.waiting.erase(shared_from_this());
    if (!task_.empty() && shared_.handlers.control_answered) {
      shared_.handlers.control_answered(task_, status);
    }
    auto res = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(status), version_);
    res->set(http::field::content_type, content_type);
    // Only a done request's body stays for the next phases to name, and
    // only while no other body took its place in the meantime.
    if (status == 200 && shared_.payloads.holds(kept_id_)) res->set(body_ref::kKept, kept_id_);
    res->keep_alive(keep_alive_ && !close_after_);
    if (head_) {
      // GET's headers, no body: prepare_payload() would say length 0.
      res->content_length(body.size());
    } else {
      res->body() = std::move(body);
      res->prepare_payload();
    }
    tcp_layer().expires_after(shared_.options.request_deadline);
    http::async_write(stream_, *res, [self = self(), res](beast::error_code ec, size_t) {
      self->written(ec, res->keep_alive());
    });
  }

  std::shared_ptr<Session> self() { return std::static_pointer_cast<Session>(shared_from_this()); }
  beast::tcp_stream& tcp_layer() { return beast::get_lowest_layer(stream_); }

  void read_next() {
    parser_.emplace();
    parser_->header_limit(kHeaderLimit);
    parser_->body_limit(shared_.options.max_body);
    answered_ = false;
    close_after_ = false;
    head_ = false;
    pending_.reset();
    endpoint_ = Endpoint::kUnknown;
    task_.clear();
    kept_id_.clear();
    fence_.reset();
    tcp_layer().expires_after(shared_.options.request_deadline);
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self = self()](beast::error_code ec, size_t) { self->got_header(ec); });
  }

  // Before the body: refuse what the size cap cannot bound.
  void got_header(beast::error_code ec) {
    if (ec) return read_failed(ec);
    const auto& req = parser_->get();
    keep_alive_ = req.keep_alive();
    version_ = req.version();
    const std::string path(target_path(req));
    endpoint_ = endpoint_of(path, shared_.probes());
    if (endpoint_ == Endpoint::kControl) task_ = parse_control_path(path).label();
    const bool probe = is_probe(endpoint_);
    if (!shared_.options.token.empty() && !probe) {
      const auto given = header(req, http::field::authorization);
      if (!bearer_matches(given.value_or(""), shared_.options.token)) {
        // Never the header's value: a near miss is almost the token.
        spdlog::warn("{} {}: 401, {} bearer token", std::string(req.method_string()), path,
                     given ? "a wrong" : "no");
        // The body stays unread: end the connection.
        return fail(401);
      }
    }
    if (req.count(http::field::transfer_encoding) || req.count(http::field::content_encoding)) {
      spdlog::warn("{} {}: chunked or encoded bodies are refused", std::string(req.method_string()),
                   path);
      // The unread body would be parsed as the next request: end the connection.
      return fail(411);
    }
    if (probe && parser_->content_length() && *parser_->content_length() > 0) {
      // Probes come without the token: nothing more than a header is read
      // from an unauthenticated peer.
      spdlog::warn("{} {}: a probe takes no body", std::string(req.method_string()), path);
      return fail(400);
    }
    if (parser_->content_length() && *parser_->content_length() > shared_.options.max_body) {
      spdlog::warn("{} {}: body of {} bytes over the {} byte cap", std::string(req.method_string()),
                   path, *parser_->content_length(), shared_.options.max_body);
      return fail(413);
    }
    // Last of the header's checks, so only a request that may go on raises
    // the highest fence.
    if (endpoint_ == Endpoint::kControl && !admit_fence(req, path)) return;
    if (parser_->content_length() && *parser_->content_length() >= PayloadCache::kMinCached) {
      parser_->get().body() = shared_.payloads.buffer(
          static_cast<size_t>(*parser_->content_length()) + fast_json::kPadding);
    }
    if (parser_->content_length()) {
      buffer_.reserve(
          static_cast<size_t>(std::min<uint64_t>(*parser_->content_length(), kBodyReadChunk)));
    }
    http::async_read(stream_, buffer_, *parser_, [self = self()](beast::error_code ec, size_t) {
      if (ec) return self->read_failed(ec);
      self->tcp_layer().expires_never();
      self->route(self->parser_->release());
    });
  }

  // A leader's fence below the highest accepted: 409, the body unread
  // (docs/protocol.md 7, "A fenced leader").
  bool admit_fence(const Request& req, const std::string& path) {
    const auto given = header(req, kFenceHeader);
    const auto verdict = shared_.fences.admit(given);
    if (verdict.status == 400) {
      spdlog::warn("{}: 400, {} '{}' is not a decimal fence", path, kFenceHeader, *given);
      fail(400);
      return false;
    }
    if (verdict.status == 409) {
      spdlog::warn("{}: 409, a stale leader (fence {}, the highest accepted is {})", path,
                   *verdict.fence, verdict.highest);
      fail(409);
      return false;
    }
    fence_ = verdict.fence;
    return true;
  }

  void read_failed(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == asio::error::eof ||
        ec == asio::error::operation_aborted || ec == asio::error::connection_reset ||
        ec == tls_failed()) {
      if constexpr (kTls) {
        if (ec == tls_failed()) spdlog::debug("control port: TLS error ({})", stream_.error());
      }
      return close();
    }
    if (ec == beast::error::timeout) {
      spdlog::debug("control port: a request not complete within {} ms, connection closed",
                    shared_.options.request_deadline.count());
      return close();
    }
    if (ec == http::error::body_limit) return fail(413);
    spdlog::warn("control port: bad request ({}), connection closed", ec.message());
    fail(ec == http::error::header_limit ? 431 : 400);
  }

  // An error answer, then the connection ends (what follows may be garbage).
  void fail(int status) {
    close_after_ = true;
    respond(status, "{}");
  }

  void written(beast::error_code ec, bool keep_alive) {
    if (ec) {
      spdlog::debug("control port: answer not written ({})", ec.message());
      return close();
    }
    if (!keep_alive) return close();
    read_next();
  }

  // A TLS connection ends without close_notify: every answer carries its
  // length, so a client loses nothing, and no peer can hold the close open.
  void close() {
    beast::error_code ignored;
    tcp_layer().socket().shutdown(tcp::socket::shutdown_both, ignored);
    tcp_layer().close();
  }

  Responder responder() {
    auto state = std::make_shared<Responder::State>();
    state->outbox = shared_.outbox;
    state->session = weak_from_this();
    pending_ = state;
    shared_.waiting.insert(shared_from_this());
    return Responder(std::move(state));
  }

  void probe(const std::function<bool()>& handler, std::string_view path) {
    bool up = false;
    try {
      up = handler();
    } catch (const std::exception& e) {
      spdlog::error("control port: {} failed: {}", path, e.what());
    }
    respond(up ? 200 : 503, "{}");
  }

  // While an /exec answer is pending nothing else is read from the
  // connection, so its close would go unseen until the answer: wait for it
  // to turn readable, then tell a hang-up from a pipelined request.
  void watch_hangup() {
    watching_ = true;
    tcp_layer().socket().async_wait(
        tcp::socket::wait_read,
        [self = self(), generation = watch_generation_](beast::error_code ec) {
          if (ec || generation != self->watch_generation_) return;
          self->check_hangup();
        });
  }

  void check_hangup() {
    if (peer_gone()) {
      spdlog::debug("control port: a caller hung up before its /exec answer");
      return hung_up();
    }
    watch_timer_.expires_after(kHangupRecheck);
    watch_timer_.async_wait([self = self(), generation = watch_generation_](beast::error_code ec) {
      if (ec || generation != self->watch_generation_) return;
      self->check_hangup();
    });
  }

  // The peer closed (or half-closed) its side or reset the connection.
  // POLLRDHUP tells it even behind unread bytes; a TLS close_notify alone
  // is not taken for one, the TCP close that follows is.
  bool peer_gone() {
    pollfd p{tcp_layer().socket().native_handle(), POLLRDHUP, 0};
    int ready;
    do {
      ready = ::poll(&p, 1, 0);
    } while (ready < 0 && errno == EINTR);
    return ready > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
  }

  // The answer is being sent (or nobody waits for it any more): the pending
  // wait and timer go, and whatever of them already completed is ignored.
  void stop_watching() {
    ++watch_generation_;
    if (!watching_) return;
    watching_ = false;
    beast::error_code ignored;
    tcp_layer().socket().cancel(ignored);
    watch_timer_.cancel();
  }

  void answer_json(int status, const std::function<json()>& make) {
    try {
      respond(status, to_json(make()));
    } catch (const std::exception& e) {
      spdlog::error("control port: answer failed: {}", e.what());
      respond(500, "{}");
    }
  }

  void route(Request req) {
    const std::string path(target_path(req));
    const Method method = method_of(req.method());
    if (endpoint_ == Endpoint::kUnknown) return respond(404, "{}");
    if (!accepts(endpoint_, method)) return respond(405, "{}");
    const auto& h = shared_.handlers;
    switch (endpoint_) {
      case Endpoint::kHealthz:
      case Endpoint::kReadyz:
        head_ = method == Method::kHead;
        return probe(endpoint_ == Endpoint::kHealthz ? h.healthz : h.readyz, path);
      case Endpoint::kInfo:
        return answer_json(200, h.info);
      case Endpoint::kLog:
        return answer_json(200, h.log);
      case Endpoint::kMetrics:
        return metrics();
      case Endpoint::kReset:
        spdlog::info("/reset: dropping the ZooKeeper session on request");
        if (h.reset) h.reset();
        return respond(200, "{}");
      case Endpoint::kExec:
        return exec(req);
      case Endpoint::kControl:
        return control(path, req);
      case Endpoint::kUnknown:
        break;
    }
  }

  void control(const std::string& path, Request& req) {
    const auto parsed = parse_control_path(path);
    if (parsed.error != 0) {
      spdlog::warn("{}: unknown task or bad timeout", path);
      return respond(parsed.error, "{}");
    }
    auto resolved = shared_.payloads.resolve(
        parsed.task, std::move(req.body()),
        {header(req, body_ref::kId).value_or(""), header(req, body_ref::kRef).value_or(""),
         header(req, body_ref::kBase).value_or("")});
    if (resolved.status != 200) {
      if (resolved.status == body_ref::kNotHeld) {
        spdlog::info("{}: {}", path, resolved.error);
      } else {
        spdlog::warn("{}: {}", path, resolved.error);
      }
      return respond(resolved.status, "{}");
    }
    kept_id_ = std::move(resolved.kept_id);
    const auto& h = shared_.handlers;
    if (!h.control) return respond(503, "{}");
    if (fence_) spdlog::debug("control: {} from the leader of fence {}", parsed.task, *fence_);
    h.control(ControlRequest{parsed.task, std::move(resolved.body)},
              std::chrono::duration<double>(parsed.timeout_seconds), responder());
  }

  void metrics() {
    if (!shared_.handlers.metrics) return respond(404, "{}");
    try {
      send(200, shared_.handlers.metrics(), kPrometheus);
    } catch (const std::exception& e) {
      spdlog::error("control port: /metrics failed: {}", e.what());
      respond(500, "{}");
    }
  }

  void exec(Request& req) {
    const auto shell = header(req, "X-Shell");
    if (!shell) return respond(400, "{}");
    ExecCall call;
    call.shell = std::string(*shell);
    if (const auto t = header(req, "X-Timeout")) {
      const auto seconds = parse_timeout_seconds(*t);
      if (!seconds) {
        spdlog::warn("/exec: bad X-Timeout '{}'", *t);
        return respond(400, "{}");
      }
      call.timeout = std::chrono::duration<double>(*seconds);
    }
    const std::string_view content_type = header(req, http::field::content_type).value_or("");
    if (content_type.substr(0, 10) == "multipart/") {
      const std::string boundary = multipart_boundary(content_type);
      MultipartResult parts = boundary.empty() ? MultipartResult{{}, "no usable boundary"}
                                               : parse_multipart(req.body(), boundary);
      if (!parts.ok()) {
        spdlog::warn("/exec: malformed multipart body: {}", parts.error);
        return respond(400, "{}");
      }
      call.uploads = std::move(parts.uploads);
    }
    if (!shared_.handlers.exec) return respond(404, "{}");
    shared_.handlers.exec(std::move(call), responder());
    if (!answered_) watch_hangup();
  }

  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<AppendBody>> parser_;
  asio::steady_timer timer_;
  asio::steady_timer watch_timer_;  // rechecks a pending /exec's connection
  Shared& shared_;
  bool keep_alive_ = true;
  unsigned version_ = 11;
  bool close_after_ = false;
  std::string kept_id_;  // the answer says the pod kept the body of this id
  bool answered_ = false;
  bool head_ = false;  // a HEAD probe: the answer's headers only
  // The pending request's state, to mark it answered when its caller hangs up.
  std::weak_ptr<Responder::State> pending_;
  bool watching_ = false;  // an /exec connection's wait or recheck is armed
  // Bumped when an answer goes: a wait that completed before is stale.
  uint64_t watch_generation_ = 0;
  Endpoint endpoint_ = Endpoint::kUnknown;  // of the request being read or answered
  std::string task_;  // the /control request's label (routes.h) being answered, else ""
  std::optional<uint64_t> fence_;  // the /control request's leader's fence, if it sent one
};

}  // namespace

Responder::State::~State() {
  if (answered.load()) return;
  spdlog::error("control port: a request was dropped without an answer: 500");
  outbox->post([session = session] {
    if (auto s = session.lock()) s->respond(500, "{}");
  });
}

void Responder::reply(int status, const json& body) const {
  if (state_->answered.exchange(true)) return;
  std::string text = status == 200 ? to_json(body) : "{}";
  state_->outbox->post([session = state_->session, status, text = std::move(text)]() mutable {
    if (auto s = session.lock()) s->respond(status, std::move(text));
  });
}

bool Responder::answered() const { return state_->answered.load(); }

void Responder::on_hangup(std::function<void()> fn) const {
  {
    std::lock_guard<std::mutex> lock(state_->mu);
    if (!state_->hung_up) {
      state_->on_hangup = std::move(fn);
      return;
    }
  }
  fn();
}

void Responder::after(std::chrono::duration<double> delay, std::function<void()> fn) const {
  state_->outbox->post([state = state_, delay, fn = std::move(fn)]() mutable {
    if (state->answered.load()) return;
    if (auto s = state->session.lock()) s->arm(delay, std::move(fn));
  });
}

struct ControlServer::Impl {
  // Sessions still queued in the loop at its destruction refer to shared.
  Shared shared;
  // Set by start() with --tls-cert; the crypto module's (tls_stream.h).
  std::unique_ptr<detail::TlsServerContext> tls;
  asio::io_context io{1};
  tcp::acceptor acceptor{io};
  asio::steady_timer retry{io};
  asio::steady_timer spare{io};  // the payload cache's (PayloadCache::set_timer)
  std::thread thread;
  int bound_port = 0;
  bool refusing = false;  // logged once per episode of a full house

  void accept() {
    acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted) return;
      if (ec) {
        // Out of descriptors, typically: try again soon rather than spin.
        spdlog::warn("control port: accept failed ({}), retrying", ec.message());
        retry.expires_after(std::chrono::milliseconds(100));
        retry.async_wait([this](beast::error_code e) {
          if (!e) accept();
        });
        return;
      }
      if (shared.connections.load() >= shared.options.max_connections) {
        if (!refusing) {
          spdlog::warn("control port: {} connections open, closing new ones",
                       shared.options.max_connections);
        }
        refusing = true;
        beast::error_code ignored;
        socket.close(ignored);
      } else {
        refusing = false;
        if (tls) {
          if (auto session = tls->session()) {
            std::make_shared<Session<TlsStream>>(std::move(socket), shared, std::move(session))
                ->start();
          } else {
            spdlog::warn("control port: no memory for a TLS session, connection closed");
            beast::error_code ignored;
            socket.close(ignored);
          }
        } else {
          std::make_shared<Session<beast::tcp_stream>>(std::move(socket), shared)->start();
        }
      }
      accept();
    });
  }
};

ControlServer::ControlServer(Options options, ControlHandlers handlers)
    : impl_(std::make_unique<Impl>()) {
  impl_->shared.options = std::move(options);
  impl_->shared.handlers = std::move(handlers);
  impl_->shared.outbox = std::make_shared<Outbox>();
}

ControlServer::~ControlServer() { stop(); }

bool ControlServer::start(std::string* error) {
  auto& o = impl_->shared.options;
  if (!o.tls_cert.empty() && !load_tls(error)) return false;
  beast::error_code ec;
  const auto address = asio::ip::make_address(o.bind, ec);
  tcp::endpoint endpoint(address, static_cast<unsigned short>(o.port));
  auto& acceptor = impl_->acceptor;
  if (!ec) acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    *error = "cannot listen on " + o.bind + ":" + std::to_string(o.port) + ": " + ec.message();
    beast::error_code ignored;
    acceptor.close(ignored);
    return false;
  }
  impl_->bound_port = acceptor.local_endpoint().port();
  {
    std::lock_guard<std::mutex> lock(impl_->shared.outbox->mu);
    impl_->shared.outbox->io = &impl_->io;
  }
  impl_->shared.payloads.set_timer(
      [spare = &impl_->spare](std::chrono::milliseconds delay, std::function<void()> fn) {
        spare->expires_after(delay);
        spare->async_wait([fn = std::move(fn)](beast::error_code ec) {
          if (!ec) fn();
        });
      });
  impl_->accept();
  impl_->thread = std::thread([this] {
    pthread_setname_np(pthread_self(), "http");
    impl_->io.run();
  });
  spdlog::info("control port listening on {}:{}{}{}", o.bind, impl_->bound_port,
               impl_->tls ? " (HTTPS)" : "", o.token.empty() ? "" : ", bearer token required");
  return true;
}

bool ControlServer::load_tls(std::string* error) {
  const auto& o = impl_->shared.options;
  const auto* crypto = crypto_backend(error);
  if (crypto == nullptr) return false;
  impl_->tls = crypto->tls_server(o.tls_cert, o.tls_key, error);
  return impl_->tls != nullptr;
}

void ControlServer::stop() {
  if (!impl_->thread.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(impl_->shared.outbox->mu);
    impl_->shared.outbox->io = nullptr;
  }
  impl_->io.stop();
  impl_->thread.join();
  // The loop is stopped: nothing runs concurrently with these.
  beast::error_code ignored;
  impl_->acceptor.close(ignored);
  impl_->shared.waiting.clear();
}

int ControlServer::port() const { return impl_->bound_port; }

void ControlServer::fences_restart_below(uint64_t zxid) {
  impl_->shared.outbox->post([shared = &impl_->shared, zxid] {
    const uint64_t highest = shared->fences.highest();
    if (shared->fences.restart_below(zxid)) {
      spdlog::warn(
          "ZooKeeper's history started over (our registration's zxid {} is below the highest "
          "leader fence {}): leader fences start over too",
          zxid, highest);
    }
  });
}

}  // namespace ochopod
