#include "cluster_file.h"

#include <spdlog/spdlog.h>
#include <stdlib.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <system_error>

#include "ochopod/atomic_file.h"
#include "ochopod/environment.h"
#include "ochopod/text.h"

namespace ochopod::detail {

ClusterFile::ClusterFile(std::string path) : path_(std::move(path)) {
  if (!path_.empty()) return;
  const auto env = read_environment();
  const auto tmp = env.find("TMPDIR");
  std::string pattern =
      (tmp != env.end() && !tmp->second.empty() ? tmp->second : "/tmp") + "/ochopod-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error("cannot create a directory for OCHOPOD_CLUSTER (" + pattern +
                             "): " + std::strerror(errno));
  }
  private_dir_ = pattern;
  path_ = private_dir_ + "/cluster.json";
}

ClusterFile::~ClusterFile() {
  if (private_dir_.empty()) return;
  std::error_code ec;
  std::filesystem::remove_all(private_dir_, ec);
  if (ec) spdlog::warn("cannot remove {}: {}", private_dir_, ec.message());
}

void ClusterFile::write(const nlohmann::json& cluster) {
  write_file_atomically(path_, to_json(cluster) + '\n', 0644);
  written_ = true;
}

}  // namespace ochopod::detail
