// The timeline: what happened to the clusters, as the UI saw it happen.
//
// Events are not read from anywhere: they are derived by comparing the
// picture before a publish with the picture after it (pods joined, left, a
// new leader, a new configuration, a process or state change, a pod going
// silent or answering again), plus the operator actions the hub is told of.
// Owned by the hub (hub.h), on its "ui" loop; the snapshot carries a copy.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "cli/ui/model.h"

namespace ochopod::cli::ui {

class Timeline {
 public:
  static constexpr size_t kCapacity = 2000;

  explicit Timeline(size_t capacity = kCapacity) : capacity_(capacity) {}

  // Appends, dated now, what differs between two pictures of the clusters
  // (both sorted by name, as snapshots hold them).
  void compare(const std::vector<ClusterView>& before, const std::vector<ClusterView>& after,
               WallTime now);

  // Appends one event (an action's start or end); its id is set here.
  void add(Event event);

  // Oldest first, at most the capacity.
  std::vector<Event> list() const { return {events_.begin(), events_.end()}; }
  size_t size() const { return events_.size(); }
  uint64_t last_id() const { return next_id_ - 1; }

 private:
  void compare_cluster(const ClusterView* before, const ClusterView* after, WallTime now);
  void push(WallTime at, std::string kind, const std::string& cluster, int seq, std::string detail);

  size_t capacity_;
  std::deque<Event> events_;
  uint64_t next_id_ = 1;
};

// /info's field (as text) from a fetch, "" when it has none or never answered.
std::string info_field(const Fetch& info, const std::string& name);

}  // namespace ochopod::cli::ui
