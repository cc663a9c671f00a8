// ClusterFile: the file OCHOPOD_CLUSTER points the child to (docs/run.md, "What the
// child gets"), holding the latest configuration as Cluster::to_json().
//
// PipedController rewrites it at every `on` that carries a payload. Writes go
// through a temporary file and a rename, so a child re-reading it never sees
// half a file. With no path given it lives in a private directory created
// here and removed with this object.
#pragma once

#include <string>

#include "ochopod/cluster.h"

namespace ochopod::detail {

// Cluster::to_json() serialized (keys sorted), spliced from its members'
// own texts: the pods map as the payload wrote it, never re-serialized. For
// a payload an ochopod leader wrote, that is to_json()'s dump byte for byte.
std::string cluster_text(const Cluster& cluster);

class ClusterFile {
 public:
  explicit ClusterFile(std::string path);  // empty: a private temp dir
  ~ClusterFile();
  ClusterFile(const ClusterFile&) = delete;
  ClusterFile& operator=(const ClusterFile&) = delete;

  // Writes cluster.to_json()'s text without building that copy of the pods.
  // Throws std::runtime_error when the file cannot be written.
  void write(const Cluster& cluster);

  const std::string& path() const { return path_; }
  bool written() const { return written_; }

 private:
  std::string private_dir_;  // ours to remove; empty when the user chose the path
  std::string path_;
  bool written_ = false;
};

}  // namespace ochopod::detail
