// ClusterBuild: a Cluster from the facts fast_json read of a payload's text.
//
// The pods map stays where it is in that text, shared rather than copied
// (it is the large part of every round's body: docs/internals.md, "How a
// request flows"). Used by Cluster::from_text,
// which hands over a copy of its text, and by Payload, which builds a large
// leader's payload's Cluster during the control server's one parse of it
// (on the I/O thread; the Cluster is immutable after).
#pragma once

#include <memory>
#include <string>

#include "ochopod/cluster.h"
#include "runtime/control/body/fast_json.h"

namespace ochopod::detail {

struct ClusterBuild {
  // text: what facts were read from; kept alive by the Cluster and its copies.
  static Cluster of_facts(fast_json::PayloadFacts facts, std::shared_ptr<const std::string> text);
};

}  // namespace ochopod::detail
