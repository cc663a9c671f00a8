// Md5: the snapshot's hash (docs/protocol.md, the `hash` node), computed
// here rather than by OpenSSL. The hash only tells a leader whether the
// cluster changed since the last round; it protects nothing, and every
// leader computes it at every round, so it must not be what makes a pod
// load libcrypto (runtime/crypto/backend.h). RFC 1321; checked against
// OpenSSL's in tests/unit/runtime/crypto. One thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace ochopod {

class Md5 {
 public:
  void add(std::string_view text);
  // The 16 raw bytes; the object is spent.
  std::string finish();

 private:
  void block(const unsigned char* data);

  uint32_t state_[4] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476};
  uint64_t bytes_ = 0;
  unsigned char pending_[64];
  size_t held_ = 0;
};

}  // namespace ochopod
