// Gzipped ustar archives, packed and unpacked in memory without shelling
// out to tar: what a pod receives as an upload and what an operator sends.
//
// The servo example unpacks the archives a CI job uploads, and `ochopod
// servo` (cli/servo/command.cpp) packs the directory it uploads: one
// implementation for both ends, public so a pod's own tools can use it too.
// Any thread; no shared state.
//
// Unpacking is meant for archives from the network: regular files and
// directories only, every name relative and without `..` (no absolute names,
// no links, no devices: refused, never skipped), sizes capped while
// decompressing so a gzip bomb stops at the cap.
#pragma once

#include <cstddef>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace ochopod {

// Thrown for an archive that cannot or must not be unpacked; too_large tells
// a cap apart from a malformed or hostile archive.
class ArchiveError : public std::runtime_error {
 public:
  ArchiveError(const std::string& what, bool too_large = false)
      : std::runtime_error(what), too_large_(too_large) {}
  bool too_large() const { return too_large_; }

 private:
  bool too_large_;
};

struct ArchiveLimits {
  size_t max_total = size_t{64} << 20;  // the whole tar stream, decompressed
  size_t max_file = size_t{32} << 20;   // one file
  size_t max_entries = 10000;
};

// Every regular file and directory under dir, relative names, sorted, as a
// .tgz. Throws ArchiveError for anything else (a symlink, a socket...) or a
// name ustar cannot hold, std::filesystem_error when dir cannot be read.
std::string pack_tgz(const std::filesystem::path& dir);

// Unpacks a .tgz into dir (which must exist and be private to the caller).
// Files keep their owner's permission bits (so an executable stays one),
// nothing more. Throws ArchiveError naming the offending entry.
void unpack_tgz(const std::string& tgz, const std::filesystem::path& dir,
                const ArchiveLimits& limits = {});

}  // namespace ochopod
