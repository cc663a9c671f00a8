// How much of a file a process maps, read from /proc/<pid>/smaps: for the
// tests of what a pod keeps resident (runtime/process/code_pages.h).
#pragma once

#include <sys/types.h>

#include <string>

namespace ochopod::test {

struct MappedKib {
  long size = 0;      // of address space
  long resident = 0;  // Rss
};

// Summed over pid's mappings of `path` with protections `perms` ("r-xp").
MappedKib mapped_kib(pid_t pid, const std::string& path, const std::string& perms);

// The path of pid's executable.
std::string executable_of(pid_t pid);

}  // namespace ochopod::test
