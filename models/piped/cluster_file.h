// ClusterFile: the file OCHOPOD_CLUSTER points the child to (docs/run.md, "What the
// child gets"), holding the latest configuration as Cluster::to_json().
//
// PipedController rewrites it at every `on` that carries a payload. It is
// replaced whole (models/templates/recycled_file.h): a child re-reading it
// never sees half a file, and a version the child holds open never changes.
// With no path given it lives in a private directory created here and
// removed with this object.
#pragma once

#include <cstdint>
#include <string>

#include "models/templates/recycled_file.h"
#include "ochopod/cluster.h"

namespace ochopod::detail {

// Cluster::to_json() serialized (keys sorted), spliced from its members'
// own texts: the pods map as the payload wrote it, never re-serialized. For
// a payload an ochopod leader wrote, that is to_json()'s dump byte for byte.
std::string cluster_text(const Cluster& cluster);

// A 128-bit digest of cluster_text(cluster), computed without building it:
// what tells the templates that a configuration is the one they were last
// rendered against (docs/run.md, "What the child gets"). Two digests of
// different texts are equal with a chance of 2^-128.
struct ClusterDigest {
  uint64_t a = 0, b = 0;
  friend bool operator==(const ClusterDigest&, const ClusterDigest&) = default;
};
ClusterDigest cluster_digest(const Cluster& cluster);

class ClusterFile {
 public:
  explicit ClusterFile(std::string path);  // empty: a private temp dir
  ~ClusterFile();
  ClusterFile(const ClusterFile&) = delete;
  ClusterFile& operator=(const ClusterFile&) = delete;

  // Writes cluster.to_json()'s text without building that copy of the pods,
  // unless the file already holds it, byte for byte: returns whether it
  // wrote. Each round reaches every pod, and many leave its configuration
  // as it was (a retried round, a new leader's first one, a dependency's
  // change); rewriting a large cluster's file for nothing cost every pod a
  // copy of the whole cluster each time. The file itself says what it
  // holds: its size, then its bytes when the size is the same. A digest of
  // the new text cost each round two passes over the whole cluster, the
  // rounds that change it included. Throws std::runtime_error when the file
  // cannot be written (and then writes it next time).
  bool write(const Cluster& cluster);

  const std::string& path() const { return file_.path(); }
  bool written() const { return written_; }

 private:
  std::string private_dir_;  // ours to remove; empty when the user chose the path
  RecycledFile file_;
  bool written_ = false;
};

}  // namespace ochopod::detail
