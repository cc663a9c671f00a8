#include "models/piped/cluster_file.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <system_error>
#include <vector>

#include "models/templates/recycled_file.h"
#include "runtime/api/cluster_build.h"
#include "runtime/base/environment.h"
#include "runtime/base/text.h"
#include "runtime/base/unique_fd.h"

namespace ochopod::detail {

namespace {

// The file is rewritten at every `on` that changes the cluster and means
// nothing after the pod: memory (/dev/shm) suits it better than a disk that
// would write each round back. TMPDIR, when set, still decides.
std::string make_private_dir() {
  const auto env = read_environment();
  const auto tmp = env.find("TMPDIR");
  std::vector<std::string> bases;
  if (tmp != env.end() && !tmp->second.empty()) {
    bases = {tmp->second};
  } else {
    bases = {"/dev/shm", "/tmp"};
  }
  std::string why;
  for (const auto& base : bases) {
    std::string pattern = base + "/ochopod-XXXXXX";
    if (::mkdtemp(pattern.data()) != nullptr) return pattern;
    why += (why.empty() ? "" : "; ") + pattern + ": " + std::strerror(errno);
  }
  throw std::runtime_error("cannot create a directory for OCHOPOD_CLUSTER (" + why + ")");
}

}  // namespace

ClusterFile::ClusterFile(std::string path)
    : private_dir_(path.empty() ? make_private_dir() : std::string()),
      file_(path.empty() ? private_dir_ + "/cluster.json" : std::move(path), 0644) {}

ClusterFile::~ClusterFile() {
  if (private_dir_.empty()) return;
  std::error_code ec;
  std::filesystem::remove_all(private_dir_, ec);
  if (ec) spdlog::warn("cannot remove {}: {}", private_dir_, ec.message());
}

namespace {

// cluster_text() in three pieces, the pods map's a view of the Cluster's own.
struct ClusterTextParts {
  std::string head;
  std::string_view pods;
  std::string tail;
};

ClusterTextParts cluster_text_parts(const Cluster& c) {
  return {"{\"dependencies\":" + to_json(c.dependencies) + ",\"index\":" + std::to_string(c.index) +
              ",\"key\":" + to_json(c.key) + ",\"pods\":",
          c.pods_text(),
          ",\"seq\":" + std::to_string(c.seq) + ",\"size\":" + std::to_string(c.size) + "}"};
}

}  // namespace

std::string cluster_text(const Cluster& c) {
  const auto parts = cluster_text_parts(c);
  std::string text;
  text.reserve(parts.head.size() + parts.pods.size() + parts.tail.size());
  text.append(parts.head).append(parts.pods).append(parts.tail);
  return text;
}

// The head and tail (a few dozen bytes) hashed here, the pods map's digest
// taken from the Cluster, which computes it once for all who ask; the
// three digests and the pieces' lengths are hashed once more, so the same
// text cut differently still differs from another text.
ClusterDigest cluster_digest(const Cluster& cluster) {
  const auto parts = cluster_text_parts(cluster);
  const TextDigest head = digest_text(parts.head);
  const TextDigest pods = ClusterBuild::pods_digest(cluster);
  const TextDigest tail = digest_text(parts.tail);
  const uint64_t pieces[] = {head.a,
                             head.b,
                             pods.a,
                             pods.b,
                             tail.a,
                             tail.b,
                             parts.head.size(),
                             parts.pods.size(),
                             parts.tail.size()};
  const TextDigest d =
      digest_text(std::string_view(reinterpret_cast<const char*>(pieces), sizeof pieces));
  return {d.a, d.b};
}

namespace {

// Whether the file at `path` holds exactly `parts` and a newline. Its size
// first: a pod that joins or leaves changes it, so most rounds that bring
// a change cost a stat. Only a text of the same size is read back and
// compared, in memory's page cache (/dev/shm), which costs a fraction of
// hashing it. Anything that cannot be read, or is not a regular file (a
// child may have put anything there), does not hold it.
bool file_holds(const std::string& path, std::initializer_list<std::string_view> parts) {
  size_t size = 0;
  for (const auto part : parts) size += part.size();
  // Not blocking: a FIFO put there must not hold the lifecycle thread.
  const UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
  if (!fd) {
    if (errno != ENOENT) {
      spdlog::warn("cannot read {} back ({}): writing it again", path, std::strerror(errno));
    }
    return false;
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    spdlog::warn("cannot stat {} ({}): writing it again", path, std::strerror(errno));
    return false;
  }
  if (!S_ISREG(st.st_mode) || static_cast<size_t>(st.st_size) != size) return false;
  char chunk[32 << 10];
  off_t at = 0;
  auto part = parts.begin();
  size_t in_part = 0;
  while (part != parts.end()) {
    const ssize_t n = ::pread(fd.get(), chunk, sizeof chunk, at);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      spdlog::warn("cannot read {} back ({}): writing it again", path, std::strerror(errno));
      return false;
    }
    if (n == 0) return false;  // shorter than it said: changed meanwhile
    for (size_t done = 0; done < static_cast<size_t>(n);) {
      if (part == parts.end()) return false;
      const size_t take = std::min(static_cast<size_t>(n) - done, part->size() - in_part);
      if (std::memcmp(chunk + done, part->data() + in_part, take) != 0) return false;
      done += take;
      in_part += take;
      if (in_part == part->size()) {
        ++part;
        in_part = 0;
      }
    }
    at += n;
  }
  return true;
}

}  // namespace

bool ClusterFile::write(const Cluster& cluster) {
  const auto parts = cluster_text_parts(cluster);
  const std::initializer_list<std::string_view> pieces = {parts.head, parts.pods, parts.tail, "\n"};
  const bool held = file_holds(file_.path(), pieces);
  if (!held) file_.write(pieces);
  written_ = true;
  return !held;
}

}  // namespace ochopod::detail
