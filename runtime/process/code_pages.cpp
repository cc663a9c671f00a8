#include "runtime/process/code_pages.h"

#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <spdlog/spdlog.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <iterator>

#include "runtime/base/unique_fd.h"

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
  const auto advise_run = [&] {
    advised |= first != last && advise(walk, first, last);
    first = last = 0;
  };
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
    if (writable || from != last) advise_run();
    if (writable) continue;
    ++walk.released.segments;
    if (first == last) first = from;
    last = to;
  }
  advise_run();
  if (advised) ++walk.released.objects;
  return 0;
}

// The program's read-only pages as /proc/self/pagemap sees them: an entry's
// bit 63 says the page is mapped here, bit 56 that no other process maps it.
struct ProgramPages {
  std::uintptr_t page = 0;
  int mapped = 0;
  int shared = 0;
  int error = 0;  // errno of a pagemap that could not be read
};

int count_program_pages(dl_phdr_info* info, std::size_t, void* data) {
  auto& count = *static_cast<ProgramPages*>(data);
  detail::UniqueFd pagemap(::open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC));
  if (!pagemap) {
    count.error = errno;
    return 1;
  }
  constexpr std::uint64_t kPresent = std::uint64_t{1} << 63;
  constexpr std::uint64_t kExclusive = std::uint64_t{1} << 56;
  std::uint64_t entries[512];
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& segment = info->dlpi_phdr[i];
    if (segment.p_type != PT_LOAD || segment.p_memsz == 0 || (segment.p_flags & PF_W)) continue;
    const std::uintptr_t begin = info->dlpi_addr + segment.p_vaddr;
    std::uintptr_t at = begin / count.page;
    const std::uintptr_t end = (begin + segment.p_memsz + count.page - 1) / count.page;
    while (at < end) {
      const std::size_t want = std::min<std::uintptr_t>(std::size(entries), end - at);
      const ssize_t got = ::pread(pagemap.get(), entries, want * sizeof(entries[0]),
                                  static_cast<off_t>(at * sizeof(entries[0])));
      if (got < static_cast<ssize_t>(sizeof(entries[0]))) {
        if (got < 0 && errno == EINTR) continue;
        count.error = got < 0 ? errno : EIO;
        count.mapped = count.shared = 0;
        return 1;
      }
      const std::size_t filled = static_cast<std::size_t>(got) / sizeof(entries[0]);
      for (std::size_t e = 0; e < filled; ++e) {
        if (!(entries[e] & kPresent)) continue;
        ++count.mapped;
        if (!(entries[e] & kExclusive)) ++count.shared;
      }
      at += filled;
    }
  }
  return 1;  // the program is the first object reported; the libraries are not counted
}

}  // namespace

ReleasedCode release_code_pages(ReleaseWhen when) {
  Walk walk;
  walk.page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  walk.vdso = ::getauxval(AT_SYSINFO_EHDR);
  ProgramPages program;
  program.page = walk.page;
  ::dl_iterate_phdr(count_program_pages, &program);
  if (program.error) {
    spdlog::debug("memory: /proc/self/pagemap unreadable ({}): the boot's code is released",
                  std::strerror(program.error));
  }
  walk.released.program_pages = program.mapped;
  walk.released.shared_pages = program.shared;
  if (when == ReleaseWhen::kAlone && 2 * program.shared > program.mapped) {
    walk.released.kept = true;
    return walk.released;
  }
  ::dl_iterate_phdr(release_object, &walk);
  if (walk.released.refused) {
    spdlog::debug("memory: {} range(s) of code kept mapped: {}", walk.released.refused,
                  std::strerror(walk.first_error));
  }
  return walk.released;
}

}  // namespace ochopod
