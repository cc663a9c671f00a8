#include "cli/ui/live/timeline.h"

#include <algorithm>
#include <map>
#include <utility>

namespace ochopod::cli::ui {

namespace {

std::string leader_name(const ClusterView* cluster) {
  const PodView* leader = cluster == nullptr ? nullptr : cluster->leader();
  return leader == nullptr ? "none" : "#" + std::to_string(leader->record.seq);
}

std::string leader_node(const ClusterView* cluster) {
  const PodView* leader = cluster == nullptr ? nullptr : cluster->leader();
  return leader == nullptr ? "" : leader->record.node;
}

std::string who(const PodView& pod) {
  std::string text = pod.record.uuid.substr(0, 8);
  const std::string ip = pod.record.string_field("ip");
  if (!ip.empty()) text += " at " + ip;
  return text;
}

}  // namespace

std::string info_field(const Fetch& info, const std::string& name) {
  if (!info.result.ok) return "";
  const auto body = info.result.data.find("info");
  if (body == info.result.data.end() || !body->is_object()) return "";
  const auto field = body->find(name);
  if (field == body->end() || field->is_null()) return "";
  return field->is_string() ? field->get<std::string>() : field->dump();
}

void Timeline::push(WallTime at, std::string kind, const std::string& cluster, int seq,
                    std::string detail) {
  add(Event{0, at, std::move(kind), cluster, seq, std::move(detail)});
}

void Timeline::add(Event event) {
  event.id = next_id_++;
  events_.push_back(std::move(event));
  while (events_.size() > capacity_) events_.pop_front();
}

void Timeline::compare(const std::vector<ClusterView>& before,
                       const std::vector<ClusterView>& after, WallTime now) {
  std::map<std::string, std::pair<const ClusterView*, const ClusterView*>> pairs;
  for (const auto& c : before) pairs[c.name].first = &c;
  for (const auto& c : after) pairs[c.name].second = &c;
  for (const auto& [name, pair] : pairs) compare_cluster(pair.first, pair.second, now);
}

void Timeline::compare_cluster(const ClusterView* before, const ClusterView* after, WallTime now) {
  const std::string& name = after != nullptr ? after->name : before->name;
  // Pods are matched by registration node: a pod that registers again is a
  // new pod to the cluster (it left and joined).
  std::map<std::string, std::pair<const PodView*, const PodView*>> pods;
  if (before != nullptr) {
    for (const auto& p : before->pods) pods[p.record.node].first = &p;
  }
  if (after != nullptr) {
    for (const auto& p : after->pods) pods[p.record.node].second = &p;
  }
  for (const auto& [node, pair] : pods) {
    const auto& [old, now_pod] = pair;
    if (old == nullptr) {
      push(now, "joined", name, now_pod->record.seq, who(*now_pod));
      continue;
    }
    if (now_pod == nullptr) {
      push(now, "left", name, old->record.seq, who(*old));
      continue;
    }
    const int seq = now_pod->record.seq;
    for (const char* field : {"process", "state"}) {
      const std::string was = info_field(old->info, field);
      const std::string is = info_field(now_pod->info, field);
      if (!was.empty() && !is.empty() && was != is) push(now, field, name, seq, was + " -> " + is);
    }
    if (now_pod->info.failures > 0 && old->info.failures == 0) {
      push(now, "unreachable", name, seq, now_pod->info.reason);
    } else if (old->info.failures > 0 && now_pod->info.failures == 0 && now_pod->info.result.ok) {
      push(now, "reachable", name, seq,
           "after " + std::to_string(old->info.failures) + " failed call(s)");
    }
  }
  if (after == nullptr) return;
  if (leader_node(before) != leader_node(after) && after->leader() != nullptr) {
    push(now, "leader", name, after->leader()->record.seq,
         leader_name(before) + " -> " + leader_name(after));
  } else if (before != nullptr && before->leader() != nullptr && after->leader() == nullptr) {
    push(now, "leader", name, -1, leader_name(before) + " -> none");
  }
  const WallTime configured_before = before == nullptr ? 0 : before->configured_at;
  if (after->configured_at > 0 && after->configured_at != configured_before) {
    push(now, "configured", name, -1,
         std::to_string(std::max(after->snapshot_size, 0)) + " pods in snapshot of " +
             std::to_string(after->pods.size()) + " registered");
  }
}

}  // namespace ochopod::cli::ui
