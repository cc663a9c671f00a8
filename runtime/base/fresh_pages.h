// Fresh pages faulted in by one call rather than by a trap each.
//
// On a virtual machine a page faulted by its first write is a trap that costs
// 10 to 18 µs; populating it costs a twentieth of that (bench/README.md,
// "Then: fresh pages in one call"). Callers populate memory they are about to
// write anyway: a body's buffer (runtime/control/body/recycled_text.h).
// Any thread.
#pragma once

#include <cstddef>

namespace ochopod {

// Faults in the whole pages of [data, data + size) for writing
// (MADV_POPULATE_WRITE, Linux 5.14 and later). False when the kernel or a
// sandbox refuses: it says so once, never asks again, and the writes fault
// the pages as before.
bool populate_for_write(const void* data, std::size_t size);

}  // namespace ochopod
