#include "runtime/control/tls_stream.h"

namespace ochopod {

namespace {

class TlsCategory final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "tls"; }
  std::string message(int) const override { return "TLS protocol error"; }
};

}  // namespace

const boost::system::error_category& tls_category() {
  static const TlsCategory category;
  return category;
}

}  // namespace ochopod
