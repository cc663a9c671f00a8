// The overview (docs/ui.md "/"): one row per cluster, as `ochopod ls` sees
// them, filtered by the ?c= glob.
#include "cli/ui/pages/parts.h"
#include "cli/ui/pages/text.h"

namespace ochopod::cli::ui::pages {

namespace {

std::string cluster_row(const ClusterView& c, const Snapshot& s) {
  ClusterFacts f = cluster_facts(c);
  std::string running = std::to_string(f.running) + "/" + std::to_string(f.registered);
  if (f.unreachable > 0) {
    running += " <span class=\"note\">(" + std::to_string(f.unreachable) + " unreachable)</span>";
  }
  std::string leader = "<span class=\"muted\">none</span>";
  if (f.leader != nullptr) {
    std::string status = pod_facts(*f.leader).status;
    leader = "<a href=\"" + html(pod_href(c.name, f.leader->record.seq)) + "\">#" +
             std::to_string(f.leader->record.seq) + "</a>" +
             (status.empty() ? "" : " " + html(status));
  }
  std::string deps;
  for (const auto& d : c.dependencies) {
    deps += (deps.empty() ? "" : ", ") +
            ("<a href=\"" + html(cluster_href(d)) + "\">" + html(d) + "</a>");
  }
  return "<tr id=\"cluster-" + html(c.name) + "\"><th scope=\"row\"><a href=\"" +
         html(cluster_href(c.name)) + "\">" + html(c.name) + "</a></th><td>" + running +
         "</td><td>" + leader + "</td><td>" + cluster_badge(f.state) + "</td><td>" +
         time_tag(c.configured_at, s.at) + "</td><td>" + (deps.empty() ? "—" : deps) + "</td></tr>";
}

}  // namespace

Fragments overview_fragments(const ViewKey& view, const Snapshot& s, const Viewer&) {
  std::string rows;
  for (const auto& c : s.clusters) {
    if (glob_match(view.glob, c.name)) rows += cluster_row(c, s) + "\n";
  }
  if (rows.empty()) {
    rows =
        "<tr><td colspan=\"6\">No cluster matches <code>" + html(view.glob) + "</code>.</td></tr>";
  }
  return {{"clusters-body", "<tbody id=\"clusters-body\">\n" + rows + "</tbody>"}};
}

std::string overview_body(const ViewKey& view, const Snapshot&, const Viewer&, const Fragments& f) {
  return "<h1>Clusters</h1>\n<form class=\"filter\" method=\"get\" action=\"/\" role=\"search\">"
         "<label for=\"filter\">Clusters matching</label> <input type=\"search\" id=\"filter\" "
         "name=\"c\" value=\"" +
         html(view.glob) +
         "\" data-filter aria-describedby=\"filter-help\"> <button type=\"submit\">Filter</button> "
         "<span id=\"filter-help\" class=\"muted\">a glob, as the CLI takes: <code>shop.*</code>"
         "</span></form>\n<div class=\"scroll\" role=\"region\" aria-labelledby=\"clusters-cap\" "
         "tabindex=\"0\">\n<table class=\"grid\">\n<caption id=\"clusters-cap\">Clusters "
         "registered in ZooKeeper</caption>\n<thead><tr><th scope=\"col\">Cluster</th><th "
         "scope=\"col\">Running / registered</th><th scope=\"col\">Leader and its status</th><th "
         "scope=\"col\">State</th><th scope=\"col\">Last configured</th><th "
         "scope=\"col\">Dependencies</th></tr></thead>\n" +
         fragment(f, "clusters-body") + "\n</table>\n</div>";
}

}  // namespace ochopod::cli::ui::pages
