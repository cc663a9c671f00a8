// The timeline (docs/ui.md "/events"): newest first, filtered by the ?c=
// glob (events about ZooKeeper itself, with no cluster, always show).
#include "cli/ui/pages/parts.h"
#include "cli/ui/pages/text.h"

namespace ochopod::cli::ui::pages {

namespace {

std::string event_row(const Event& e, const Snapshot& s) {
  std::string cluster = e.cluster.empty() ? "ZooKeeper"
                                          : "<a href=\"" + html(cluster_href(e.cluster)) + "\">" +
                                                html(e.cluster) + "</a>";
  std::string pod = e.seq < 0 || e.cluster.empty()
                        ? "—"
                        : "<a href=\"" + html(pod_href(e.cluster, e.seq)) + "\">#" +
                              std::to_string(e.seq) + "</a>";
  return "<tr id=\"event-" + std::to_string(e.id) + "\"><td>" + time_tag(e.at, s.at) +
         " <span class=\"muted\">" + clock_time(e.at) + "</span></td><td>" + cluster + "</td><td>" +
         pod + "</td><td>" + html(e.kind) + "</td><td>" + html(e.detail) + "</td></tr>";
}

}  // namespace

Fragments events_fragments(const ViewKey& view, const Snapshot& s, const Viewer&) {
  std::string rows;
  for (auto it = s.events.rbegin(); it != s.events.rend(); ++it) {
    if (!it->cluster.empty() && !glob_match(view.glob, it->cluster)) continue;
    rows += event_row(*it, s) + "\n";
  }
  if (rows.empty()) rows = "<tr><td colspan=\"5\">Nothing happened yet.</td></tr>\n";
  return {{"events-body", "<tbody id=\"events-body\">\n" + rows + "</tbody>"}};
}

std::string events_body(const ViewKey& view, const Snapshot&, const Viewer&, const Fragments& f) {
  return "<h1>Events</h1>\n<form class=\"filter\" method=\"get\" action=\"/events\" "
         "role=\"search\"><label for=\"filter\">Clusters matching</label> <input type=\"search\" "
         "id=\"filter\" name=\"c\" value=\"" +
         html(view.glob) +
         "\" data-filter> <button type=\"submit\">Filter</button></form>\n<div class=\"scroll\" "
         "role=\"region\" aria-labelledby=\"events-cap\" tabindex=\"0\">\n<table class=\"grid\">\n"
         "<caption id=\"events-cap\">What happened, newest first (times in UTC)</caption>\n"
         "<thead><tr><th scope=\"col\">When</th><th scope=\"col\">Cluster</th><th "
         "scope=\"col\">Pod</th><th scope=\"col\">Event</th><th scope=\"col\">Detail</th></tr>"
         "</thead>\n" +
         fragment(f, "events-body") + "\n</table>\n</div>";
}

}  // namespace ochopod::cli::ui::pages
