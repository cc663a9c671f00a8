#include "runtime/base/fresh_pages.h"

#include <spdlog/spdlog.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstring>

namespace ochopod {

bool populate_for_write(const void* data, std::size_t size) {
  static const auto page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
  static std::atomic<bool> refused{false};
  const uintptr_t begin = (reinterpret_cast<uintptr_t>(data) + page - 1) / page * page;
  const uintptr_t end = (reinterpret_cast<uintptr_t>(data) + size) / page * page;
  if (end <= begin) return true;
  if (refused.load(std::memory_order_relaxed)) return false;
  if (::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_POPULATE_WRITE) == 0) {
    return true;
  }
  // Unknown advice, or not allowed: the same answer every time. Anything
  // else (out of memory, interrupted) may pass next time.
  if (errno == EINVAL || errno == EPERM || errno == ENOSYS) refused.store(true);
  static std::atomic<bool> said{false};
  if (!said.exchange(true)) {
    spdlog::info("cannot prefault fresh pages ({}): they fault as they are written",
                 std::strerror(errno));
  }
  return false;
}

}  // namespace ochopod
