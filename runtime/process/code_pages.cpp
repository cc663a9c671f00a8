#include "runtime/process/code_pages.h"

#include <elf.h>
#include <link.h>
#include <spdlog/spdlog.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <unistd.h>

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

int release_object(dl_phdr_info* info, std::size_t, void* data) {
  auto& walk = *static_cast<Walk*>(data);
  bool advised = false;
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& segment = info->dlpi_phdr[i];
    if (segment.p_type != PT_LOAD || (segment.p_flags & PF_W) || segment.p_memsz == 0) continue;
    const std::uintptr_t begin = info->dlpi_addr + segment.p_vaddr;
    const std::uintptr_t end = begin + segment.p_memsz;
    // The vDSO is the kernel's, not a file's: nothing to give back.
    if (walk.vdso && walk.vdso >= (begin & ~(walk.page - 1)) && walk.vdso < end) return 0;
    const std::uintptr_t first = begin & ~(walk.page - 1);
    const std::uintptr_t last = (end + walk.page - 1) & ~(walk.page - 1);
    // Two segments never share a page (their protections differ), so the
    // rounded range holds this segment's pages only.
    if (::madvise(reinterpret_cast<void*>(first), last - first, MADV_DONTNEED) != 0) {
      if (!walk.first_error) walk.first_error = errno;
      ++walk.released.refused;
      continue;
    }
    walk.released.bytes += last - first;
    advised = true;
  }
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
    spdlog::debug("memory: {} code segment(s) kept mapped: {}", walk.released.refused,
                  std::strerror(walk.first_error));
  }
  return walk.released;
}

}  // namespace ochopod
