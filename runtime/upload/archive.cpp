//
// The reader knows what `tar zcf` (GNU tar) and Python's tarfile write: plain
// ustar headers, GNU long names ('L') and pax extended headers ('x', their
// `path` record); global pax headers ('g') are ignored. Anything that is not
// a regular file or a directory is an error.
#include "ochopod/archive.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <system_error>
#include <vector>

#include "runtime/upload/module.h"

namespace ochopod {
namespace {

namespace fs = std::filesystem;

constexpr size_t kBlock = 512;

// Field offsets and widths of a ustar header.
struct Field {
  size_t at, width;
};
constexpr Field kName{0, 100}, kMode{100, 8}, kUid{108, 8}, kGid{116, 8}, kSize{124, 12},
    kMtime{136, 12}, kChecksum{148, 8}, kType{156, 1}, kMagic{257, 6}, kVersion{263, 2},
    kPrefix{345, 155};

size_t padded(size_t n) { return (n + kBlock - 1) / kBlock * kBlock; }

std::string field_text(const char* block, Field f) {
  const char* begin = block + f.at;
  return std::string(begin, std::find(begin, begin + f.width, '\0'));
}

// Octal digits, optionally padded with spaces or NULs; base-256 sizes (the
// GNU extension for files over 8 GiB) are refused: no cap is that large.
bool parse_octal(const char* block, Field f, uint64_t* value) {
  uint64_t v = 0;
  bool digits = false;
  for (size_t i = 0; i < f.width; ++i) {
    const char c = block[f.at + i];
    if (c >= '0' && c <= '7') {
      if (v > (UINT64_MAX >> 3)) return false;
      v = v * 8 + static_cast<uint64_t>(c - '0');
      digits = true;
    } else if (c == ' ' || c == '\0') {
      if (digits) break;
    } else {
      return false;
    }
  }
  *value = v;
  return true;
}

unsigned checksum_of(const char* block) {
  unsigned sum = 0;
  for (size_t i = 0; i < kBlock; ++i) {
    const bool in_field = i >= kChecksum.at && i < kChecksum.at + kChecksum.width;
    sum += in_field ? ' ' : static_cast<unsigned char>(block[i]);
  }
  return sum;
}

void put_octal(char* block, Field f, uint64_t value) {
  std::ostringstream digits;
  digits << std::oct << value;
  std::string s = digits.str();
  if (s.size() > f.width - 1) throw ArchiveError("value too large for a ustar header");
  s.insert(0, f.width - 1 - s.size(), '0');
  std::memcpy(block + f.at, s.data(), s.size());
}

void put_text(char* block, Field f, const std::string& s) {
  std::memcpy(block + f.at, s.data(), std::min(s.size(), f.width));
}

// One header for name (a directory's ends with '/').
void append_header(std::string* tar, const std::string& name, char type, unsigned mode,
                   uint64_t size) {
  std::array<char, kBlock> block{};
  std::string prefix, base = name;
  if (base.size() > kName.width) {
    // Split at a '/' so the prefix holds at most 155 bytes and the rest 100.
    const size_t limit = std::min(base.size() - 1, kPrefix.width);
    const size_t slash = base.rfind('/', limit);
    if (slash == std::string::npos || slash == 0 || base.size() - slash - 1 > kName.width) {
      throw ArchiveError("name too long for ustar: " + name);
    }
    prefix = base.substr(0, slash);
    base = base.substr(slash + 1);
  }
  put_text(block.data(), kName, base);
  put_octal(block.data(), kMode, mode);
  put_octal(block.data(), kUid, 0);
  put_octal(block.data(), kGid, 0);
  put_octal(block.data(), kSize, size);
  put_octal(block.data(), kMtime, 0);
  block[kType.at] = type;
  put_text(block.data(), kMagic, std::string("ustar\0", 6));
  put_text(block.data(), kVersion, "00");
  put_text(block.data(), kPrefix, prefix);
  std::ostringstream sum;
  sum << std::oct << checksum_of(block.data());
  std::string s = sum.str();
  s.insert(0, 6 - std::min<size_t>(6, s.size()), '0');
  std::memcpy(block.data() + kChecksum.at, s.data(), 6);
  block[kChecksum.at + 6] = '\0';
  block[kChecksum.at + 7] = ' ';
  tar->append(block.data(), block.size());
}

// Through the gzip module (runtime/upload/backend.h), loaded by the first
// archive packed or unpacked, not at every exec of the binaries linking this.
const detail::GzipBackend& gzip_module() {
  std::string why;
  const detail::GzipBackend* backend = gzip_backend(&why);
  if (backend == nullptr) throw ArchiveError("cannot use gzip: " + why);
  return *backend;
}

std::string gunzip(const std::string& tgz, size_t cap) {
  std::string out;
  detail::GzipFailure failure;
  if (!gzip_module().gunzip(tgz, cap, &out, &failure)) {
    throw ArchiveError(failure.message, failure.too_large);
  }
  return out;
}

std::string gzip(const std::string& data) {
  std::string out;
  detail::GzipFailure failure;
  if (!gzip_module().gzip(data, &out, &failure)) throw ArchiveError(failure.message);
  return out;
}

// The entry's name as a path under the target, or empty for the archive's
// own root ("." or "./"). Refuses what could land outside it.
fs::path safe_relative(const std::string& name) {
  if (name.empty()) throw ArchiveError("an entry has no name");
  if (name.front() == '/') throw ArchiveError("absolute name refused: " + name);
  fs::path out;
  std::string part;
  std::istringstream parts(name);
  while (std::getline(parts, part, '/')) {
    if (part.empty() || part == ".") continue;
    if (part == "..") throw ArchiveError("'..' in a name refused: " + name);
    out /= part;
  }
  return out;
}

// The "path" record of a pax extended header ("<len> path=<value>\n"...).
std::string pax_path(const std::string& records) {
  size_t at = 0;
  while (at < records.size()) {
    const size_t space = records.find(' ', at);
    if (space == std::string::npos) break;
    size_t length = 0;
    try {
      length = std::stoul(records.substr(at, space - at));
    } catch (const std::exception&) {
      throw ArchiveError("malformed pax header");
    }
    if (length == 0 || at + length > records.size()) throw ArchiveError("malformed pax header");
    const std::string record = records.substr(space + 1, at + length - space - 2);
    if (record.rfind("path=", 0) == 0) return record.substr(5);
    at += length;
  }
  return "";
}

void write_file(const fs::path& path, const char* data, size_t size, unsigned mode) {
  // O_NOFOLLOW: nothing here ever makes a link, but never write through one.
  const int fd =
      ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, mode & 0700);
  if (fd < 0) throw ArchiveError("cannot create " + path.string() + ": " + std::strerror(errno));
  size_t done = 0;
  while (done < size) {
    const ssize_t n = ::write(fd, data + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int error = errno;
      ::close(fd);
      throw ArchiveError("cannot write " + path.string() + ": " + std::strerror(error));
    }
    done += static_cast<size_t>(n);
  }
  ::fchmod(fd, mode & 0700);  // the umask may have taken bits off
  ::close(fd);
}

}  // namespace

std::string pack_tgz(const fs::path& dir) {
  std::vector<fs::path> entries;
  for (auto it = fs::recursive_directory_iterator(dir); it != fs::recursive_directory_iterator();
       ++it) {
    entries.push_back(it->path());
  }
  std::sort(entries.begin(), entries.end());
  std::string tar;
  for (const auto& path : entries) {
    const auto status = fs::symlink_status(path);
    const std::string name = fs::relative(path, dir).generic_string();
    const auto perms = static_cast<unsigned>(status.permissions()) & 0777;
    if (fs::is_directory(status)) {
      append_header(&tar, name + "/", '5', perms, 0);
    } else if (fs::is_regular_file(status)) {
      std::ifstream in(path, std::ios::binary);
      std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      if (!in.good() && !in.eof()) throw ArchiveError("cannot read " + path.string());
      append_header(&tar, name, '0', perms, content.size());
      content.resize(padded(content.size()), '\0');
      tar += content;
    } else {
      throw ArchiveError("not a regular file or a directory: " + path.string());
    }
  }
  tar.append(2 * kBlock, '\0');  // the end-of-archive marker
  return gzip(tar);
}

void unpack_tgz(const std::string& tgz, const fs::path& dir, const ArchiveLimits& limits) {
  const std::string tar = gunzip(tgz, limits.max_total);
  size_t at = 0, entries = 0;
  std::string long_name, extended_name;
  while (at + kBlock <= tar.size()) {
    const char* block = tar.data() + at;
    if (std::all_of(block, block + kBlock, [](char c) { return c == '\0'; })) break;
    uint64_t stored = 0, size = 0, mode = 0;
    if (!parse_octal(block, kChecksum, &stored) || stored != checksum_of(block)) {
      throw ArchiveError("not a tar archive (bad header checksum at byte " + std::to_string(at) +
                         ")");
    }
    if (!parse_octal(block, kSize, &size) || !parse_octal(block, kMode, &mode)) {
      throw ArchiveError("malformed tar header at byte " + std::to_string(at));
    }
    at += kBlock;
    if (size > tar.size() - at) throw ArchiveError("truncated tar archive");
    const char* data = tar.data() + at;
    at += std::min<size_t>(padded(size), tar.size() - at);
    const char type = block[kType.at];
    if (type == 'L' || type == 'x') {
      if (size > 64 * 1024) throw ArchiveError("extended header too large");
      const std::string text(data, size);
      if (type == 'L') long_name = text.substr(0, text.find('\0'));
      if (type == 'x') extended_name = pax_path(text);
      continue;
    }
    if (type == 'g') continue;
    std::string name = field_text(block, kName);
    const std::string prefix = field_text(block, kPrefix);
    if (!prefix.empty() && field_text(block, kMagic).rfind("ustar", 0) == 0) {
      name = prefix + "/" + name;
    }
    if (!long_name.empty()) name = long_name;
    if (!extended_name.empty()) name = extended_name;
    long_name.clear();
    extended_name.clear();
    const bool regular = type == '0' || type == '\0' || type == '7';
    if (!regular && type != '5') {
      const std::string what = type == '1'                  ? "hard link"
                               : type == '2'                ? "symbolic link"
                               : type == '3' || type == '4' ? "device"
                               : type == '6'                ? "fifo"
                                                            : "entry of an unsupported type";
      throw ArchiveError(what + " refused: " + name);
    }
    const fs::path relative = safe_relative(name);
    if (++entries > limits.max_entries) {
      throw ArchiveError("more than " + std::to_string(limits.max_entries) + " entries", true);
    }
    if (relative.empty()) continue;  // "./": the target itself
    const fs::path target = dir / relative;
    try {
      if (type == '5') {
        fs::create_directories(target);
        fs::permissions(target, fs::perms::owner_all);
        continue;
      }
      if (size > limits.max_file) {
        throw ArchiveError(name + " is larger than " + std::to_string(limits.max_file) + " bytes",
                           true);
      }
      fs::create_directories(target.parent_path());
    } catch (const fs::filesystem_error& e) {
      throw ArchiveError("cannot unpack " + name + ": " + e.code().message());
    }
    write_file(target, data, size, static_cast<unsigned>(mode) | 0600);
  }
}

}  // namespace ochopod
