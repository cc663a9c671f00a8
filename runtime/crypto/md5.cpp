#include "runtime/crypto/md5.h"

#include <algorithm>
#include <cstring>

namespace ochopod {

namespace {

// floor(|sin(i + 1)| * 2^32), RFC 1321 3.4.
constexpr uint32_t kSine[64] = {
    0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
    0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
    0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
    0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
    0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
    0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
    0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
    0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391,
};

constexpr int kShift[4][4] = {{7, 12, 17, 22}, {5, 9, 14, 20}, {4, 11, 16, 23}, {6, 10, 15, 21}};

uint32_t rotate_left(uint32_t x, int n) { return (x << n) | (x >> (32 - n)); }

uint32_t little_endian(const unsigned char* p) {
  return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}

}  // namespace

void Md5::block(const unsigned char* data) {
  uint32_t word[16];
  for (int i = 0; i < 16; ++i) word[i] = little_endian(data + 4 * i);
  uint32_t a = state_[0], b = state_[1], c = state_[2], d = state_[3];
  for (int i = 0; i < 64; ++i) {
    uint32_t f;
    int g;
    switch (i / 16) {
      case 0:
        f = (b & c) | (~b & d);
        g = i;
        break;
      case 1:
        f = (d & b) | (~d & c);
        g = (5 * i + 1) % 16;
        break;
      case 2:
        f = b ^ c ^ d;
        g = (3 * i + 5) % 16;
        break;
      default:
        f = c ^ (b | ~d);
        g = (7 * i) % 16;
        break;
    }
    const uint32_t next = b + rotate_left(a + f + kSine[i] + word[g], kShift[i / 16][i % 4]);
    a = d;
    d = c;
    c = b;
    b = next;
  }
  state_[0] += a;
  state_[1] += b;
  state_[2] += c;
  state_[3] += d;
}

void Md5::add(std::string_view text) {
  auto data = reinterpret_cast<const unsigned char*>(text.data());
  size_t size = text.size();
  bytes_ += size;
  if (held_ > 0) {
    const size_t take = std::min(size, sizeof pending_ - held_);
    std::memcpy(pending_ + held_, data, take);
    held_ += take;
    data += take;
    size -= take;
    if (held_ < sizeof pending_) return;
    block(pending_);
    held_ = 0;
  }
  for (; size >= 64; data += 64, size -= 64) block(data);
  std::memcpy(pending_, data, size);
  held_ = size;
}

std::string Md5::finish() {
  const uint64_t bits = bytes_ * 8;
  unsigned char tail[72] = {0x80};
  // Padding to 56 bytes past a block's start, then the length in bits.
  const size_t pad = (held_ < 56 ? 56 : 120) - held_;
  for (int i = 0; i < 8; ++i) tail[pad + i] = static_cast<unsigned char>(bits >> (8 * i));
  add(std::string_view(reinterpret_cast<const char*>(tail), pad + 8));
  std::string out(16, '\0');
  for (int i = 0; i < 16; ++i) out[i] = static_cast<char>(state_[i / 4] >> (8 * (i % 4)));
  return out;
}

}  // namespace ochopod
