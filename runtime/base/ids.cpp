#include "runtime/base/ids.h"

#include <random>

namespace ochopod {

std::string random_hex(size_t digits) {
  // Seeded with more than one word: ids of different pods must not repeat
  // for want of seeds.
  static thread_local std::mt19937_64 rng = [] {
    std::random_device device;
    std::seed_seq seed{device(), device(), device(), device()};
    return std::mt19937_64(seed);
  }();
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(digits, '0');
  for (auto& c : out) c = kHex[rng() & 0xf];
  return out;
}

std::string make_uuid4() {
  std::string hex = random_hex(32);
  hex[12] = '4';  // the version
  // The variant: 10xx in the high bits of the 17th digit.
  const int nibble = hex[16] <= '9' ? hex[16] - '0' : hex[16] - 'a' + 10;
  hex[16] = "89ab"[nibble & 3];
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20, 12);
}

}  // namespace ochopod
