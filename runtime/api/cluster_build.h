// ClusterBuild: a Cluster from the facts fast_json read of a payload's text.
//
// The pods map stays where it is in that text, shared rather than copied
// (it is the large part of every round's body: docs/internals.md, "How a
// request flows"). Used by Cluster::from_text,
// which hands over a copy of its text, and by Payload, which builds a large
// leader's payload's Cluster during the control server's one parse of it
// (on the I/O thread; the Cluster is immutable after). Also the pods map's
// digest, for the piped model's "is this the configuration I hold".
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "ochopod/cluster.h"
#include "runtime/control/body/fast_json.h"

namespace ochopod::detail {

// Two independent 64-bit hashes of a text (libstdc++'s Murmur, two seeds):
// equal for two different texts with a chance of 2^-128.
struct TextDigest {
  uint64_t a = 0, b = 0;
  friend bool operator==(const TextDigest&, const TextDigest&) = default;
};
TextDigest digest_text(std::string_view text);

struct ClusterBuild {
  // text: what facts were read from; kept alive by the Cluster and its copies.
  static Cluster of_facts(fast_json::PayloadFacts facts, std::shared_ptr<const std::string> text);
  // digest_text(cluster.pods_text()), computed once per pods map and shared
  // by the Cluster's copies: the cluster file and the templates both ask
  // whether a configuration is the one they hold, on the same Cluster.
  static TextDigest pods_digest(const Cluster& cluster);
};

}  // namespace ochopod::detail
