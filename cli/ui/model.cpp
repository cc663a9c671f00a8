#include "cli/ui/model.h"

#include <algorithm>
#include <charconv>

namespace ochopod::cli::ui {

std::string PodView::dom_id() const {
  std::string id = record.cluster + "-" + std::to_string(record.seq);
  if (duplicate_seq) id += "-" + record.uuid.substr(0, 8);
  return id;
}

const PodView* ClusterView::leader() const {
  for (const auto& pod : pods) {
    if (pod.leader) return &pod;
  }
  return nullptr;
}

const ClusterView* Snapshot::cluster(const std::string& name) const {
  // clusters are kept sorted by name.
  const auto it =
      std::lower_bound(clusters.begin(), clusters.end(), name,
                       [](const ClusterView& c, const std::string& n) { return c.name < n; });
  if (it != clusters.end() && it->name == name) return &*it;
  return nullptr;
}

const PodView* Snapshot::pod(const std::string& cluster_name, int seq) const {
  const ClusterView* c = cluster(cluster_name);
  if (c == nullptr) return nullptr;
  for (const auto& pod : c->pods) {
    if (pod.record.seq == seq) return &pod;
  }
  return nullptr;
}

const ActionRecord* Snapshot::action(uint64_t id) const {
  for (const auto& record : actions) {
    if (record.id == id) return &record;
  }
  return nullptr;
}

namespace {

template <typename T>
std::optional<T> number(std::string_view text) {
  T value{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

}  // namespace

std::optional<ViewKey> parse_stream_view(std::string_view view, std::string_view glob) {
  ViewKey key;
  key.glob = glob.empty() ? "*" : std::string(glob);
  const size_t colon = view.find(':');
  const std::string_view head = view.substr(0, colon);
  const std::string_view rest =
      colon == std::string_view::npos ? std::string_view() : view.substr(colon + 1);
  const bool has_rest = colon != std::string_view::npos;
  if (head == "overview" || head == "events" || head == "actions") {
    if (has_rest) return std::nullopt;
    key.kind = head == "overview" ? ViewKey::Kind::kOverview
               : head == "events" ? ViewKey::Kind::kEvents
                                  : ViewKey::Kind::kActions;
    return key;
  }
  if (!has_rest || rest.empty()) return std::nullopt;
  if (head == "cluster" || head == "logs") {
    key.kind = head == "cluster" ? ViewKey::Kind::kCluster : ViewKey::Kind::kLogs;
    key.cluster = std::string(rest);
    return key;
  }
  if (head == "pod") {
    const size_t hash = rest.rfind('#');
    if (hash == std::string_view::npos || hash == 0) return std::nullopt;
    const auto seq = number<int>(rest.substr(hash + 1));
    if (!seq || *seq < 0) return std::nullopt;
    key.kind = ViewKey::Kind::kPod;
    key.cluster = std::string(rest.substr(0, hash));
    key.seq = *seq;
    return key;
  }
  if (head == "action") {
    const auto id = number<uint64_t>(rest);
    if (!id) return std::nullopt;
    key.kind = ViewKey::Kind::kAction;
    key.action = *id;
    return key;
  }
  return std::nullopt;
}

}  // namespace ochopod::cli::ui
