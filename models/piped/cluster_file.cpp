#include "models/piped/cluster_file.h"

#include <spdlog/spdlog.h>
#include <stdlib.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <system_error>
#include <vector>

#include "models/templates/atomic_file.h"
#include "runtime/api/cluster_build.h"
#include "runtime/base/environment.h"
#include "runtime/base/text.h"

namespace ochopod::detail {

ClusterFile::ClusterFile(std::string path) : path_(std::move(path)) {
  if (!path_.empty()) return;
  // The file is rewritten at every `on` (the whole cluster) and
  // means nothing after the pod: memory (/dev/shm) suits it better than a
  // disk that would write each round back. TMPDIR, when set, still decides.
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
    if (::mkdtemp(pattern.data()) != nullptr) {
      private_dir_ = pattern;
      path_ = private_dir_ + "/cluster.json";
      return;
    }
    why += (why.empty() ? "" : "; ") + pattern + ": " + std::strerror(errno);
  }
  throw std::runtime_error("cannot create a directory for OCHOPOD_CLUSTER (" + why + ")");
}

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

namespace {

// The head and tail (a few dozen bytes) hashed here, the pods map's digest
// taken from the Cluster, which computes it once for all who ask; the
// three digests and the pieces' lengths are hashed once more, so the same
// text cut differently still differs from another text.
ClusterDigest digest_of(const ClusterTextParts& parts, const Cluster& cluster) {
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

}  // namespace

ClusterDigest cluster_digest(const Cluster& cluster) {
  return digest_of(cluster_text_parts(cluster), cluster);
}

bool ClusterFile::write(const Cluster& cluster) {
  const auto parts = cluster_text_parts(cluster);
  const auto digest = digest_of(parts, cluster);
  if (digest_ == digest) return false;
  digest_.reset();  // unknown if the write fails half-way
  write_file_atomically(path_, {parts.head, parts.pods, parts.tail, "\n"}, 0644);
  written_ = true;
  digest_ = digest;
  return true;
}

}  // namespace ochopod::detail
