// A cluster's page (docs/ui.md "/c/<cluster>"): its head (state, leader,
// last round) and one row per pod, as `ochopod info`, `poll` and `grep` see
// them.
#include "cli/ui/pages/parts.h"
#include "cli/ui/pages/text.h"

namespace ochopod::cli::ui::pages {

namespace {

using nlohmann::json;

std::string process_cell(const PodFacts& f) {
  std::string out = process_badge(f.process);
  if (f.process == "running" && f.uptime) out += " for " + uptime_text(*f.uptime);
  std::string more;
  if (f.restarts) more += "restarts " + std::to_string(static_cast<long long>(*f.restarts));
  if (f.last_exit) {
    more += (more.empty() ? "" : ", ") + std::string("last exit ") +
            std::to_string(static_cast<long long>(*f.last_exit));
  }
  if (!more.empty()) out += "<br><span class=\"note\">" + more + "</span>";
  return out;
}

std::string ports_text(const json& payload) {
  std::string out;
  if (!payload.is_object() || !payload.contains("ports") || !payload["ports"].is_object()) {
    return out;
  }
  for (const auto& [inside, outside] : payload["ports"].items()) {
    out += (out.empty() ? "" : ", ") + html(inside) + "→" + html(json_text(outside));
  }
  return out;
}

// The sanity check's object, compact in the row and whole on demand.
std::string metrics_cell(const PodView& p) {
  const json& data = p.info.result.data;
  if (!data.is_object() || !data.contains("info") || !data["info"].is_object() ||
      !data["info"].contains("metrics")) {
    return "—";
  }
  const json& m = data["info"]["metrics"];
  if (m.is_object() && m.empty()) return "—";
  std::string text = json_text(m);
  if (text.size() <= 48) return "<code>" + html(text) + "</code>";
  return "<details id=\"m-" + html(p.dom_id()) + "\"><summary><code>" + html(text.substr(0, 40)) +
         "…</code></summary><pre>" + pretty_html(m) + "</pre></details>";
}

std::string flags(const ClusterView& c, const PodView& p, const PodFacts& f) {
  std::string out;
  auto flag = [&](const char* text) {
    out += " <span class=\"flag\">" + std::string(text) + "</span>";
  };
  if (c.snapshot_size >= 0 && !p.in_snapshot) flag("waiting for a round");
  if (p.duplicate_seq) flag("duplicate seq");
  if (f.python) flag("Python pod");
  return out;
}

std::string pod_row(const ClusterView& c, const PodView& p, const Snapshot& s, const Viewer& v) {
  PodFacts f = pod_facts(p);
  const PodRecord& r = p.record;
  std::string select;
  if (v.can_act) {
    select = "<td><input type=\"checkbox\" id=\"sel-" + html(p.dom_id()) +
             "\" name=\"seq\" value=\"" + std::to_string(r.seq) +
             "\" form=\"pod-actions\" aria-label=\"Select " + html(r.key()) + "\"></td>";
  }
  std::string address = r.string_field("ip") + ":" + r.string_field("port");
  auto control = r.control_port();
  std::string public_address =
      r.string_field("public") + (control ? ":" + std::to_string(*control) : "");
  std::string fresh = freshness_tag(p.info.at, s.at);
  if (!f.answered) {
    fresh += "<br><span class=\"badge bad\"><span aria-hidden=\"true\">✕</span> " + html(f.reason) +
             "</span>";
  }
  return "<tr id=\"" + html(pod_row_id(p)) + "\">" + select + "<th scope=\"row\"><a href=\"" +
         html(pod_href(c.name, r.seq)) + "\">#" + std::to_string(r.seq) + "</a>" + flags(c, p, f) +
         "</th><td>" + state_text(f.state) + "</td><td>" + process_cell(f) + "</td><td>" +
         html(f.status) + "</td><td>" + html(r.string_field("node")) + "</td><td>" + html(address) +
         "</td><td>" + html(public_address) + "</td><td>" + ports_text(r.payload) + "</td><td>" +
         metrics_cell(p) + "</td><td>" + fresh + "</td></tr>";
}

std::string head(const ClusterView& c, const Snapshot& s) {
  ClusterFacts f = cluster_facts(c);
  std::string leader = "none";
  if (f.leader != nullptr) {
    PodFacts lf = pod_facts(*f.leader);
    leader = "<a href=\"" + html(pod_href(c.name, f.leader->record.seq)) + "\">#" +
             std::to_string(f.leader->record.seq) + "</a> " + state_text(lf.state) +
             (lf.status.empty() ? "" : ", " + html(lf.status));
  }
  std::string deps;
  for (const auto& d : c.dependencies) {
    deps += (deps.empty() ? "" : ", ") +
            ("<a href=\"" + html(cluster_href(d)) + "\">" + html(d) + "</a>");
  }
  std::string round = c.snapshot_size < 0
                          ? "no round published yet"
                          : std::to_string(c.snapshot_size) + " pods in the last round";
  return "<dl id=\"cluster-head\" class=\"facts\"><div><dt>State</dt><dd>" +
         cluster_badge(f.state) + "</dd></div><div><dt>Running</dt><dd>" +
         std::to_string(f.running) + "/" + std::to_string(f.registered) +
         (f.unreachable > 0 ? " (" + std::to_string(f.unreachable) + " unreachable)" : "") +
         "</dd></div><div><dt>Leader</dt><dd>" + leader +
         "</dd></div><div><dt>Last configured</dt><dd>" + time_tag(c.configured_at, s.at) + ", " +
         round + "</dd></div><div><dt>Dependencies</dt><dd>" + (deps.empty() ? "none" : deps) +
         "</dd></div></dl>";
}

}  // namespace

Fragments cluster_fragments(const ViewKey& view, const Snapshot& s, const Viewer& v) {
  const ClusterView* c = find_cluster(s, view.cluster);
  if (c == nullptr) return {};
  std::string rows;
  for (const auto& p : c->pods) rows += pod_row(*c, p, s, v) + "\n";
  if (rows.empty()) {
    rows = "<tr><td colspan=\"" + std::string(v.can_act ? "11" : "10") +
           "\">No pod is registered.</td></tr>\n";
  }
  return {{"cluster-head", head(*c, s)},
          {"pods-body", "<tbody id=\"pods-body\">\n" + rows + "</tbody>"}};
}

std::string cluster_body(const ViewKey& view, const Snapshot& s, const Viewer& v,
                         const Fragments& f) {
  const ClusterView& c = *find_cluster(s, view.cluster);
  std::string select_head =
      v.can_act ? "<th scope=\"col\"><span class=\"sr\">Select</span></th>" : "";
  return "<nav aria-label=\"Breadcrumb\" class=\"crumbs\"><a href=\"/\">Clusters</a> › <span "
         "aria-current=\"page\">" +
         html(c.name) + "</span></nav>\n<h1>" + html(c.name) + "</h1>\n" +
         fragment(f, "cluster-head") + "\n<p><a href=\"" + html(logs_href(c.name)) +
         "\">Merged logs</a> · <a href=\"/events?c=" + html(url_part(c.name)) +
         "\">Events</a></p>\n" + cluster_actions(c, v) +
         "\n<div class=\"scroll\" role=\"region\" aria-labelledby=\"pods-cap\" tabindex=\"0\">\n"
         "<table class=\"grid\">\n<caption id=\"pods-cap\">Pods of " +
         html(c.name) + "</caption>\n<thead><tr>" + select_head +
         "<th scope=\"col\">Pod</th><th scope=\"col\">State</th><th scope=\"col\">Process</th>"
         "<th scope=\"col\">Status</th><th scope=\"col\">Node</th><th scope=\"col\">Address</th>"
         "<th scope=\"col\">Public</th><th scope=\"col\">Ports</th><th scope=\"col\">Sanity "
         "metrics</th><th scope=\"col\">Last answer</th></tr></thead>\n" +
         fragment(f, "pods-body") + "\n</table>\n</div>";
}

}  // namespace ochopod::cli::ui::pages
