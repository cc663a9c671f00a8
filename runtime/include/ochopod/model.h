// Model: how pods of one cluster orchestrate (the original's api.Model; docs/writing-a-pod.md).
//
// Users subclass a concrete model (ochopod::Reactive) to set its knobs and,
// optionally, probe(). The leader calls probe() on its own worker thread.
#pragma once

#include <optional>
#include <string>

#include "ochopod/cluster.h"

namespace ochopod {

class Model {
 public:
  virtual ~Model() = default;

  // Every probe_every while leading and idle. The returned text becomes the
  // pod's status; throwing sets it to "* <message>".
  virtual std::optional<std::string> probe(const Cluster& cluster) {
    (void)cluster;
    return std::nullopt;
  }
};

}  // namespace ochopod
