// A cluster's merged logs (docs/ui.md "/c/<cluster>/logs"): every pod's
// loaded lines, prefixed "#<seq>" and interleaved by time.
#include <algorithm>

#include "cli/ui/pages/parts.h"
#include "cli/ui/pages/text.h"

namespace ochopod::cli::ui::pages {

namespace {

// The line's leading timestamp ("2024-05-01 10:00:00.123"), which sorts as
// text; "" when it starts with something else.
std::string_view stamp(std::string_view line) {
  size_t n = 0;
  while (n < line.size() && n < 32) {
    char c = line[n];
    bool part = (c >= '0' && c <= '9') || c == '-' || c == ':' || c == '.' || c == ',' ||
                c == 'T' || c == ' ' || c == 'Z' || c == '+';
    if (!part) break;
    ++n;
  }
  if (n == 0 || line[0] < '0' || line[0] > '9') return {};
  return line.substr(0, n);
}

std::string_view strip_newline(std::string_view line) {
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  return line;
}

}  // namespace

std::vector<std::string> merged_log(const ClusterView& c) {
  struct Line {
    std::string key;
    size_t pod;
    size_t index;
    std::string text;
  };
  std::vector<Line> all;
  for (size_t i = 0; i < c.pods.size(); ++i) {
    std::string key;  // a line without a time follows the line before it
    const auto& lines = c.pods[i].log;
    for (size_t j = 0; j < lines.size(); ++j) {
      std::string_view line = strip_newline(lines[j]);
      std::string_view t = stamp(line);
      if (!t.empty()) key = std::string(t);
      all.push_back(
          {key, i, j, "#" + std::to_string(c.pods[i].record.seq) + " " + std::string(line)});
    }
  }
  // Each pod's own order is kept whatever the stamps say (a clock step back
  // must not reorder one pod's lines).
  std::stable_sort(all.begin(), all.end(), [](const Line& a, const Line& b) {
    if (a.pod == b.pod) return a.index < b.index;
    return a.key < b.key;
  });
  std::vector<std::string> out;
  out.reserve(all.size());
  for (auto& l : all) out.push_back(std::move(l.text));
  return out;
}

Fragments logs_fragments(const ViewKey& view, const Snapshot& s, const Viewer&) {
  const ClusterView* c = find_cluster(s, view.cluster);
  if (c == nullptr) return {};
  std::string id = "log-" + c->name;
  return {{id, "<div id=\"" + html(id) +
                   "\" class=\"log\" role=\"log\" aria-live=\"off\" "
                   "tabindex=\"0\" aria-label=\"Merged log of " +
                   html(c->name) + "\">" + log_lines(merged_log(*c)) + "</div>"}};
}

std::string logs_body(const ViewKey& view, const Snapshot& s, const Viewer&, const Fragments& f) {
  const ClusterView& c = *find_cluster(s, view.cluster);
  std::string id = "log-" + c.name;
  std::string pods;
  for (const auto& p : c.pods) {
    pods += (pods.empty() ? "" : ", ") + ("<a href=\"" + html(pod_href(c.name, p.record.seq)) +
                                          "\">#" + std::to_string(p.record.seq) + "</a>");
  }
  return "<nav aria-label=\"Breadcrumb\" class=\"crumbs\"><a href=\"/\">Clusters</a> › <a href=\"" +
         html(cluster_href(c.name)) + "\">" + html(c.name) +
         "</a> › <span aria-current=\"page\">Logs</span></nav>\n<h1>Logs of " + html(c.name) +
         "</h1>\n<p class=\"muted\">Each line starts with its pod's <code>#seq</code>. Pods: " +
         (pods.empty() ? "none" : pods) + ".</p>\n" + log_bar(id, "", c.name) + "\n" +
         fragment(f, id);
}

}  // namespace ochopod::cli::ui::pages
