#include "cli/ui/live/log_tail.h"

#include <algorithm>
#include <cctype>

namespace ochopod::cli::ui {

std::vector<std::string> new_lines(const std::vector<std::string>& previous,
                                   const std::vector<std::string>& next) {
  // Longest first: with repeated lines several overlaps match, and the
  // longest is the one that claims the fewest lines as new.
  const size_t most = std::min(previous.size(), next.size());
  for (size_t k = most; k > 0; --k) {
    if (std::equal(previous.end() - static_cast<std::ptrdiff_t>(k), previous.end(), next.begin())) {
      return {next.begin() + static_cast<std::ptrdiff_t>(k), next.end()};
    }
  }
  return next;
}

std::string leading_timestamp(const std::string& line) {
  static constexpr std::string_view kShape = "dddd-dd-dd dd:dd:dd.ddd";
  if (line.size() < kShape.size()) return "";
  for (size_t i = 0; i < kShape.size(); ++i) {
    const char c = line[i];
    const bool fits =
        kShape[i] == 'd' ? std::isdigit(static_cast<unsigned char>(c)) != 0 : c == kShape[i];
    if (!fits) return "";
  }
  return line.substr(0, kShape.size());
}

std::vector<std::string> merge_logs(const ClusterView& cluster) {
  struct Cursor {
    const PodView* pod;
    size_t next = 0;
    std::string key;  // the timestamp of the line at `next`, inherited when it has none
  };
  std::vector<Cursor> cursors;
  size_t total = 0;
  for (const auto& pod : cluster.pods) {
    if (pod.log.empty()) continue;
    cursors.push_back(Cursor{&pod, 0, leading_timestamp(pod.log.front())});
    total += pod.log.size();
  }
  std::vector<std::string> out;
  out.reserve(total);
  // A k-way merge rather than a sort: a pod's own order is kept even where
  // its clock went back.
  while (true) {
    Cursor* best = nullptr;
    for (auto& c : cursors) {
      if (c.next >= c.pod->log.size()) continue;
      if (best == nullptr || c.key < best->key) best = &c;
    }
    if (best == nullptr) break;
    out.push_back("#" + std::to_string(best->pod->record.seq) + " " + best->pod->log[best->next]);
    ++best->next;
    if (best->next < best->pod->log.size()) {
      std::string stamp = leading_timestamp(best->pod->log[best->next]);
      if (!stamp.empty()) best->key = std::move(stamp);
    }
  }
  return out;
}

}  // namespace ochopod::cli::ui
