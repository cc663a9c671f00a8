#include "runtime/base/ids.h"

#include <spdlog/spdlog.h>
#include <sys/random.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <random>

namespace ochopod {

namespace {

// `size` bytes from the kernel's generator. Ids are few (a pod's uuid, one
// for each phase of a round), so a system call each costs less than a
// generator seeded on every thread that draws one did at boot (two
// threads, 4 % of a boot's CPU on the VM of bench/README.md), and a
// process forked after drawing does not draw its parent's next ids.
void fill_random(char* out, size_t size) {
  size_t got = 0;
  while (got < size) {
    const ssize_t n = ::getrandom(out + got, size - got, 0);
    if (n > 0) {
      got += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    break;
  }
  if (got == size) return;
  // Only a kernel older than 3.17 (ENOSYS) or a sandbox that refuses the
  // call: std::random_device reads /dev/urandom then.
  static std::atomic<bool> said{false};
  if (!said.exchange(true)) {
    spdlog::warn("getrandom() failed ({}): ids drawn from std::random_device",
                 std::strerror(errno));
  }
  std::random_device device;
  for (; got < size; ++got) out[got] = static_cast<char>(device());
}

}  // namespace

std::string random_hex(size_t digits) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string bytes((digits + 1) / 2, '\0');
  fill_random(bytes.data(), bytes.size());
  std::string out(digits, '0');
  for (size_t i = 0; i < digits; ++i) {
    const auto byte = static_cast<unsigned char>(bytes[i / 2]);
    out[i] = kHex[(i % 2 == 0 ? byte >> 4 : byte) & 0xf];
  }
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
