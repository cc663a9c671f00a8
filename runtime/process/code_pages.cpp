#include "runtime/process/code_pages.h"

#include <elf.h>
#include <link.h>
#include <spdlog/spdlog.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>

namespace ochopod {

namespace {

struct Walk {
  std::uintptr_t page = 0;
  std::uintptr_t vdso = 0;
  ReleasedCode released;
  int first_error = 0;
};

// One madvise() for the pages [first, last): false when refused.
bool advise(Walk& walk, std::uintptr_t first, std::uintptr_t last) {
  if (first == last) return true;
  ++walk.released.calls;
  if (::madvise(reinterpret_cast<void*>(first), last - first, MADV_DONTNEED) != 0) {
    if (!walk.first_error) walk.first_error = errno;
    ++walk.released.refused;
    return false;
  }
  walk.released.bytes += last - first;
  return true;
}

int release_object(dl_phdr_info* info, std::size_t, void* data) {
  auto& walk = *static_cast<Walk*>(data);
  bool advised = false;
  // Each call costs far more than the pages it unmaps (50 us on a VM where
  // 2 MiB of pages take 80 in one call), so the object's adjacent read-only
  // segments (headers, code, constants: PT_LOAD entries come sorted by
  // address) go in one range. A writable segment or a gap ends it.
  std::uintptr_t first = 0, last = 0;
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& segment = info->dlpi_phdr[i];
    if (segment.p_type != PT_LOAD || segment.p_memsz == 0) continue;
    const std::uintptr_t begin = info->dlpi_addr + segment.p_vaddr;
    const std::uintptr_t end = begin + segment.p_memsz;
    // The vDSO is the kernel's, not a file's: nothing to give back.
    if (walk.vdso && walk.vdso >= (begin & ~(walk.page - 1)) && walk.vdso < end) return 0;
    const std::uintptr_t from = begin & ~(walk.page - 1);
    const std::uintptr_t to = (end + walk.page - 1) & ~(walk.page - 1);
    const bool writable = segment.p_flags & PF_W;
    // A page a writable segment starts in is never advised: it holds this
    // process's data (linkers start such a segment on a page of its own).
    if (writable && from < last) last = std::max(first, from);
    if (writable || from != last) {
      advised |= first != last && advise(walk, first, last);
      first = last = 0;
    }
    if (writable) continue;
    ++walk.released.segments;
    if (first == last) first = from;
    last = to;
  }
  advised |= first != last && advise(walk, first, last);
  if (advised) ++walk.released.objects;
  return 0;
}

}  // namespace

ReleasedCode release_code_pages() {
  Walk walk;
  walk.page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  walk.vdso = ::getauxval(AT_SYSINFO_EHDR);
  ::dl_iterate_phdr(release_object, &walk);
  if (walk.released.refused) {
    spdlog::debug("memory: {} range(s) of code kept mapped: {}", walk.released.refused,
                  std::strerror(walk.first_error));
  }
  return walk.released;
}

}  // namespace ochopod
