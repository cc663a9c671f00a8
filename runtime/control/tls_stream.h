// TlsStream: the control port's HTTPS connections (--tls-cert), a Beast
// stream over a beast::tcp_stream whose TLS is done by the crypto module
// (runtime/crypto/backend.h), so a pod without TLS never loads OpenSSL.
//
// The module's session only transforms bytes; this class moves them: each
// operation steps the session, sends what it produced, reads when it wants
// input, and steps again. The control server (server.cpp) uses one stream
// from its I/O thread, one operation at a time (a request is read, then its
// answer written), which is all this supports. Deadlines and cancellation
// are the next layer's: an expired tcp_stream fails the operation with
// beast::error::timeout, as it would a plain connection.
#pragma once

#include <boost/asio/compose.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_range.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "runtime/crypto/backend.h"

namespace ochopod {

// What a TLS connection fails with: the peer broke the protocol (a bad
// handshake, a corrupt record); the session's error() says how.
const boost::system::error_category& tls_category();
inline boost::system::error_code tls_failed() { return {1, tls_category()}; }

class TlsStream {
 public:
  using next_layer_type = boost::beast::tcp_stream;
  using executor_type = next_layer_type::executor_type;

  // session: from the port's TlsServerContext, not null.
  TlsStream(boost::asio::ip::tcp::socket socket, std::unique_ptr<detail::TlsSession> session)
      : next_(std::move(socket)), session_(std::move(session)) {}

  executor_type get_executor() noexcept { return next_.get_executor(); }
  next_layer_type& next_layer() noexcept { return next_; }
  // Why the last operation failed with tls_failed().
  std::string error() const { return session_->error(); }

  template <typename Handler>
  auto async_handshake(Handler&& handler) {
    return boost::asio::async_compose<Handler, void(boost::system::error_code)>(
        Op<Kind::kHandshake>{*this, nullptr, 0}, handler, next_);
  }

  template <typename Buffers, typename Handler>
  auto async_read_some(const Buffers& buffers, Handler&& handler) {
    auto first = first_of<boost::asio::mutable_buffer>(buffers);
    return boost::asio::async_compose<Handler, void(boost::system::error_code, size_t)>(
        Op<Kind::kRead>{*this, first.data(), first.size()}, handler, next_);
  }

  template <typename Buffers, typename Handler>
  auto async_write_some(const Buffers& buffers, Handler&& handler) {
    auto first = first_of<boost::asio::const_buffer>(buffers);
    // Bounded, so one answer never sits whole in the session as ciphertext.
    const size_t size = std::min<size_t>(first.size(), kMostPlaintextAtOnce);
    return boost::asio::async_compose<Handler, void(boost::system::error_code, size_t)>(
        Op<Kind::kWrite>{*this, const_cast<void*>(first.data()), size}, handler, next_);
  }

 private:
  enum class Kind { kHandshake, kRead, kWrite };
  static constexpr size_t kMostPlaintextAtOnce = 64 * 1024;
  static constexpr size_t kInputChunk = 16 * 1024 + 512;  // a TLS record and its header

  template <typename Buffer, typename Buffers>
  static Buffer first_of(const Buffers& buffers) {
    for (const auto b : boost::beast::buffers_range_ref(buffers)) {
      if (b.size() > 0) return Buffer(b.data(), b.size());
    }
    return Buffer();
  }

  // One operation, from its start to its completion. States: a step of the
  // session; then its output sent, or more input read; then a step again.
  template <Kind kKind>
  struct Op {
    TlsStream& stream;
    void* data;
    size_t size;
    enum class Wait { kNothing, kSent, kReceived, kPosted } wait = Wait::kNothing;
    bool finished = false;
    boost::system::error_code result{};
    size_t moved = 0;

    template <typename Self>
    void operator()(Self& self, boost::system::error_code ec = {}, size_t n = 0) {
      switch (wait) {
        case Wait::kNothing:
          break;
        case Wait::kSent:
          stream.output_.clear();
          if (ec) return complete(self, ec);
          if (finished) return complete(self, result);
          break;
        case Wait::kReceived:
          if (ec) return complete(self, ec);  // eof included: the peer closed
          stream.session_->put_input(stream.input_.data(), n);
          break;
        case Wait::kPosted:
          return complete(self, result);
      }
      if (size == 0 && kKind != Kind::kHandshake) {
        finished = true;  // nothing to move: done at once, as a socket is
      } else {
        step();
      }
      stream.session_->take_output(&stream.output_);
      if (!stream.output_.empty()) {
        wait = Wait::kSent;
        return boost::asio::async_write(stream.next_, boost::asio::buffer(stream.output_),
                                        std::move(self));
      }
      if (finished) {
        // Never complete inside the initiating call.
        if (wait == Wait::kNothing) {
          wait = Wait::kPosted;
          return boost::asio::post(stream.next_.get_executor(), std::move(self));
        }
        return complete(self, result);
      }
      if (stream.input_.empty()) stream.input_.resize(kInputChunk);
      wait = Wait::kReceived;
      stream.next_.async_read_some(boost::asio::buffer(stream.input_), std::move(self));
    }

    void step() {
      using Step = detail::TlsSession::Step;
      Step s;
      if constexpr (kKind == Kind::kHandshake) {
        s = stream.session_->handshake();
      } else if constexpr (kKind == Kind::kRead) {
        s = stream.session_->read(data, size, &moved);
      } else {
        s = stream.session_->write(data, size, &moved);
      }
      switch (s) {
        case Step::kDone:
          finished = true;
          break;
        case Step::kWantInput:
          break;
        case Step::kClosed:
          finished = true;
          result = boost::asio::error::eof;
          break;
        case Step::kFailed:
          finished = true;
          result = tls_failed();
          break;
      }
    }

    template <typename Self>
    void complete(Self& self, boost::system::error_code ec) {
      if constexpr (kKind == Kind::kHandshake) {
        self.complete(ec);
      } else {
        self.complete(ec, ec ? 0 : moved);
      }
    }
  };

  next_layer_type next_;
  std::unique_ptr<detail::TlsSession> session_;
  std::string output_;       // ciphertext being sent
  std::vector<char> input_;  // ciphertext being received (sized at the first read)
};

}  // namespace ochopod
