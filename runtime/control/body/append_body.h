// AppendBody: the control server's request body, a std::string that Beast
// appends to.
//
// Beast's own string_body grows the string with resize(), which zero-fills
// it, and then copies the bytes over the zeros: a large round body
// (docs/protocol.md 4) was written twice a request. This one reserves the
// announced length and appends. Reading only: the control server never
// sends a request. Used by the control server (server.cpp) on its I/O thread.
#pragma once

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/optional.hpp>
#include <cstdint>
#include <string>

#include "runtime/control/body/fast_json.h"

namespace ochopod {

struct AppendBody {
  using value_type = std::string;

  static std::uint64_t size(const value_type& body) { return body.size(); }

  class reader {
   public:
    template <bool isRequest, class Fields>
    reader(boost::beast::http::header<isRequest, Fields>&, value_type& body) : body_(body) {}

    void init(const boost::optional<std::uint64_t>& length, boost::beast::error_code& ec) {
      if (length) {
        if (*length > body_.max_size() - fast_json::kPadding) {
          ec = boost::beast::http::error::buffer_overflow;
          return;
        }
        // And room for the parser's padding: the body is read where it is.
        body_.reserve(static_cast<size_t>(*length) + fast_json::kPadding);
      }
      ec = {};
    }

    template <class ConstBufferSequence>
    std::size_t put(const ConstBufferSequence& buffers, boost::beast::error_code& ec) {
      std::size_t n = 0;
      for (auto it = boost::asio::buffer_sequence_begin(buffers);
           it != boost::asio::buffer_sequence_end(buffers); ++it) {
        const boost::asio::const_buffer b = *it;
        body_.append(static_cast<const char*>(b.data()), b.size());
        n += b.size();
      }
      ec = {};
      return n;
    }

    void finish(boost::beast::error_code& ec) { ec = {}; }

   private:
    value_type& body_;
  };
};

}  // namespace ochopod
