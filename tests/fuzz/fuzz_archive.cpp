// An upload archive as the servo receives it from the network
// (ochopod/archive.h): unpack_tgz() on arbitrary bytes into a fresh private
// directory. Promises: it returns or throws ArchiveError, never anything
// else; whatever it wrote stays inside the directory and is a regular file
// or a directory (no link, no device), within the caps.
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <system_error>

#include "fuzz_support.h"
#include "ochopod/archive.h"

using ochopod::fuzz::check;
namespace fs = std::filesystem;

namespace {

// Small caps, so a gzip bomb in the corpus costs milliseconds.
constexpr ochopod::ArchiveLimits kLimits{1 << 20, 256 << 10, 64};

void check_tree(const fs::path& root) {
  size_t total = 0, entries = 0;
  const std::string prefix = fs::canonical(root).string() + "/";
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    ++entries;
    check(!entry.is_symlink(), "no link is unpacked");
    check(entry.is_regular_file() || entry.is_directory(), "only files and directories");
    check(fs::canonical(entry.path()).string().rfind(prefix, 0) == 0, "everything stays inside");
    if (entry.is_regular_file()) {
      check(entry.file_size() <= kLimits.max_file, "a file within its cap");
      total += entry.file_size();
    }
  }
  check(total <= kLimits.max_total, "the whole within its cap");
  check(entries <= kLimits.max_entries * 2, "entries within the cap (and their folders)");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ochopod::fuzz::quiet_logs();
  // Removed when the fuzzer exits (static destructors run on exit()).
  static const struct Scratch {
    fs::path path = fs::temp_directory_path() / ("fuzz-archive-" + std::to_string(::getpid()));
    ~Scratch() {
      std::error_code ignored;
      fs::remove_all(path, ignored);
    }
  } scratch;
  const fs::path dir = scratch.path / "unpacked";
  std::error_code ec;
  fs::remove_all(dir, ec);
  fs::create_directories(dir);
  try {
    ochopod::unpack_tgz(std::string(reinterpret_cast<const char*>(data), size), dir, kLimits);
  } catch (const ochopod::ArchiveError&) {
    // Refused: what was written so far must still be safe.
  }
  check_tree(dir);
  return 0;
}
