// release_code_pages: unmap what a boot ran and an idle pod never runs again.
//
// A boot touches code all over the binary and its libraries (settings,
// registration, the first round), and the kernel maps
// up to 16 pages around each such fault, so a pod that has settled still
// maps most of its 2.7 MB binary and of libstdc++ though it runs a few
// hundred KiB of it. This unmaps every non-writable segment of every loaded
// object from the process's page tables (MADV_DONTNEED), leaving the pages
// in the page cache: what runs afterwards is mapped again by a minor fault,
// without I/O, and stays. Writable segments (data, RELRO, bss) hold this
// process's own state and are never touched; neither is the vDSO.
//
// What it changes and what it does not (docs/internals.md, "What a pod costs
// idle"): the process's RSS and PSS drop; a memory cgroup still holds the
// page cache it was charged for, now unmapped and so reclaimed first.
//
// Only what this process maps alone is worth unmapping: a page another
// process maps too stays in memory for it, and unmapping it here costs the
// call and the faults that map it back, nothing else. Pods of one image on
// one host share every page of the program's code they run (one file, one
// page cache), so the release first counts the program's read-only pages in
// /proc/self/pagemap and, unless told otherwise, keeps everything mapped when
// most of those it maps are mapped by another process too. A pod alone in its
// container, or alone of its image on the host, shares only the few pages its
// child's spawn touched, and releases.
//
// Called once per process, by the piped controller after its first round
// (models/piped/controller.cpp, release_memory), on the controller's thread.
// Other threads may run meanwhile: what they execute is mapped back as they
// need it. dl_iterate_phdr holds the loader's lock, so no object is loaded
// or unloaded while its segments are advised.
#pragma once

#include <cstddef>

namespace ochopod {

enum class ReleaseWhen {
  kAlone,   // only when most of the program's mapped code is this process's alone
  kAlways,  // whoever else maps it (what tests of the unmapping itself need)
};

struct ReleasedCode {
  std::size_t bytes = 0;  // of address space advised, mapped or not
  int objects = 0;        // loaded objects whose segments were advised
  int segments = 0;       // read-only segments among them
  int calls = 0;          // madvise() calls: one per run of adjacent segments
  int refused = 0;        // calls madvise() refused (mlock'ed memory)
  // The program's read-only pages before the release (both 0 when
  // /proc/self/pagemap could not be read: then it releases, as when alone).
  int program_pages = 0;  // mapped in this process
  int shared_pages = 0;   // of those, mapped by another process too
  bool kept = false;      // nothing advised: most of them are shared
};

ReleasedCode release_code_pages(ReleaseWhen when = ReleaseWhen::kAlone);

}  // namespace ochopod
