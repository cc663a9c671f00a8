// The gzip module, libochopod-gzip.so (runtime/upload/backend.h): every call
// this project makes into zlib. Loaded by runtime/upload/module.cpp the first
// time an archive is packed or unpacked; runs on the caller's thread.
//
// zlib directly, not Boost.Iostreams: that library would load libbz2,
// liblzma and libzstd for gzip alone.
#include <zlib.h>

#include <algorithm>
#include <climits>
#include <vector>

#include "runtime/upload/backend.h"

namespace ochopod::detail {

namespace {

// windowBits 15 + 16: the gzip wrapper (header, CRC-32 and length trailer).
constexpr int kGzipWindowBits = 15 + 16;
constexpr size_t kChunk = 64 * 1024;

// A z_stream that is always ended, for inflate or deflate; started() says
// whether zlib could set it up, message() why not.
class ZStream {
 public:
  enum class Mode { kInflate, kDeflate };
  explicit ZStream(Mode mode) : mode_(mode) {
    init_rc_ = mode == Mode::kInflate ? inflateInit2(&z_, kGzipWindowBits)
                                      : deflateInit2(&z_, Z_DEFAULT_COMPRESSION, Z_DEFLATED,
                                                     kGzipWindowBits, 8, Z_DEFAULT_STRATEGY);
  }
  ~ZStream() {
    if (init_rc_ != Z_OK) return;
    if (mode_ == Mode::kInflate) {
      inflateEnd(&z_);
    } else {
      deflateEnd(&z_);
    }
  }
  ZStream(const ZStream&) = delete;
  ZStream& operator=(const ZStream&) = delete;

  bool started(GzipFailure* failure) const {
    if (init_rc_ == Z_OK) return true;
    failure->message = std::string("cannot start zlib: ") + zError(init_rc_);
    return false;
  }
  z_stream* get() { return &z_; }
  // zlib's message for the last error, or the generic text of rc.
  std::string message(int rc) const { return z_.msg != nullptr ? z_.msg : zError(rc); }

  // Points next_in at the rest of data from *at, at most what a uInt holds.
  void feed(std::string_view data, size_t* at) {
    const size_t n = std::min<size_t>(data.size() - *at, UINT_MAX);
    z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data() + *at));
    z_.avail_in = static_cast<uInt>(n);
    *at += n;
  }

 private:
  Mode mode_;
  int init_rc_ = Z_OK;
  z_stream z_{};
};

bool fail(GzipFailure* failure, std::string message, bool too_large = false) {
  failure->message = std::move(message);
  failure->too_large = too_large;
  return false;
}

class ZlibBackend final : public GzipBackend {
 public:
  bool gunzip(std::string_view gz, size_t cap, std::string* out,
              GzipFailure* failure) const override {
    ZStream z(ZStream::Mode::kInflate);
    if (!z.started(failure)) return false;
    z_stream* s = z.get();
    if (gz.empty()) return fail(failure, "empty or not a gzip archive");
    out->clear();
    std::vector<Bytef> buffer(kChunk);
    size_t fed = 0;
    z.feed(gz, &fed);
    for (;;) {
      s->next_out = buffer.data();
      s->avail_out = static_cast<uInt>(buffer.size());
      const int rc = inflate(s, Z_NO_FLUSH);
      out->append(reinterpret_cast<const char*>(buffer.data()), buffer.size() - s->avail_out);
      if (out->size() > cap) {
        return fail(failure, "the archive unpacks to more than " + std::to_string(cap) + " bytes",
                    true);
      }
      if (rc == Z_STREAM_END) {
        // The member's CRC-32 and length matched. Concatenated members are
        // one stream; anything else after a member is not gzip.
        if (s->avail_in == 0 && fed < gz.size()) z.feed(gz, &fed);
        if (s->avail_in == 0) break;
        if (inflateReset(s) != Z_OK) {
          return fail(failure, "not a gzip archive: cannot reset zlib");
        }
        continue;
      }
      if (rc == Z_OK) {
        if (s->avail_in == 0 && fed < gz.size()) z.feed(gz, &fed);
        continue;
      }
      if (rc == Z_BUF_ERROR) {
        // No progress possible: each round has a fresh output buffer, so
        // inflate wants input, and all of it was fed (Z_OK above refills).
        return fail(failure, "not a gzip archive: truncated gzip stream");
      }
      if (rc == Z_MEM_ERROR) return fail(failure, "not a gzip archive: out of memory");
      // Z_DATA_ERROR (bad header, corrupt data, wrong CRC or length),
      // Z_NEED_DICT (a zlib stream, not gzip), Z_STREAM_ERROR.
      return fail(failure, "not a gzip archive: " + z.message(rc));
    }
    if (out->empty()) return fail(failure, "empty or not a gzip archive");
    return true;
  }

  bool gzip(std::string_view data, std::string* out, GzipFailure* failure) const override {
    ZStream z(ZStream::Mode::kDeflate);
    if (!z.started(failure)) return false;
    z_stream* s = z.get();
    gz_header header{};
    header.os = 255;
    if (deflateSetHeader(s, &header) != Z_OK) return fail(failure, "cannot start zlib");
    out->clear();
    std::vector<Bytef> buffer(kChunk);
    size_t fed = 0;
    for (;;) {
      if (s->avail_in == 0 && fed < data.size()) z.feed(data, &fed);
      const int flush = fed == data.size() ? Z_FINISH : Z_NO_FLUSH;
      s->next_out = buffer.data();
      s->avail_out = static_cast<uInt>(buffer.size());
      const int rc = deflate(s, flush);
      if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
        return fail(failure, "cannot compress the archive: " + z.message(rc));
      }
      out->append(reinterpret_cast<const char*>(buffer.data()), buffer.size() - s->avail_out);
      if (rc == Z_STREAM_END) return true;  // the trailer is written
    }
  }
};

}  // namespace

}  // namespace ochopod::detail

extern "C" __attribute__((visibility("default"))) const ochopod::detail::GzipBackend*
ochopod_gzip_backend_v1(const ochopod::ModuleAbi* abi) {
  static const ochopod::detail::ZlibBackend backend;
  return ochopod::same_build(abi, ochopod::detail::gzip_backend_abi()) ? &backend : nullptr;
}
