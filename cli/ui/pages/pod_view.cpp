// One pod's page (docs/ui.md "/c/<cluster>/<seq>"): its state and actions,
// every /info key, the registration (secrets masked), /metrics highlights
// and the log tail.
#include "cli/ui/pages/parts.h"
#include "cli/ui/pages/text.h"

namespace ochopod::cli::ui::pages {

namespace {

using nlohmann::json;

// The /metrics series an operator looks at first (UI.md 4.4: child, ZooKeeper
// session, leader rounds); the rest is one `curl /metrics` away.
constexpr const char* kHighlights[] = {
    "ochopod_child_state",
    "ochopod_child_starts_total",
    "ochopod_child_restarts_total",
    "ochopod_child_last_exit_code",
    "ochopod_child_uptime_seconds",
    "ochopod_zookeeper_connection_state",
    "ochopod_zookeeper_reconnects_total",
    "ochopod_zookeeper_session_expiries_total",
    "ochopod_leader_rounds_total",
    "ochopod_sanity_check_failures_total",
};

std::string head(const ClusterView& c, const PodView& p, const Snapshot& s, const Viewer& v) {
  PodFacts f = pod_facts(p);
  std::string process = process_badge(f.process);
  if (f.process == "running" && f.uptime) process += " for " + uptime_text(*f.uptime);
  std::string answer = freshness_tag(p.info.at, s.at);
  if (!f.answered) answer += " — <strong>unreachable: " + html(f.reason) + "</strong>";
  std::string flags;
  if (c.snapshot_size >= 0 && !p.in_snapshot)
    flags += "<li>Not in the last round: waiting for a round</li>";
  if (p.duplicate_seq) flags += "<li>Another registration claims the same seq</li>";
  if (f.python) flags += "<li>Python pod: no /metrics</li>";
  return "<section id=\"pod-head\" aria-label=\"State\"><dl "
         "class=\"facts\"><div><dt>State</dt><dd>" +
         state_text(f.state) + "</dd></div><div><dt>Process</dt><dd>" + process +
         "</dd></div><div><dt>Status</dt><dd>" + (f.status.empty() ? "—" : html(f.status)) +
         "</dd></div><div><dt>Node</dt><dd>" + html(p.record.string_field("node")) +
         "</dd></div><div><dt>Last answer</dt><dd>" + answer + "</dd></div></dl>" +
         (flags.empty() ? "" : "<ul class=\"flags\">" + flags + "</ul>") + pod_actions(c, p, v) +
         "</section>";
}

std::string info_table(const PodView& p) {
  const json& data = p.info.result.data;
  std::string rows;
  if (data.is_object() && data.contains("info") && data["info"].is_object()) {
    const json masked = mask_secrets(data["info"]);
    for (const auto& [key, value] : masked.items()) {
      std::string shown = value.is_string() ? html(value.get<std::string>())
                                            : "<pre>" + pretty_html(value) + "</pre>";
      rows += "<tr><th scope=\"row\">" + html(key) + "</th><td>" + shown + "</td></tr>";
    }
  }
  if (rows.empty()) rows = "<tr><td colspan=\"2\">No answer from /info yet.</td></tr>";
  return "<table id=\"pod-info\" class=\"grid kv\"><caption>/info</caption><thead><tr><th "
         "scope=\"col\">Key</th><th scope=\"col\">Value</th></tr></thead><tbody>" +
         rows + "</tbody></table>";
}

std::string registration(const PodView& p) {
  return "<section id=\"pod-registration\" aria-labelledby=\"reg-title\"><h2 id=\"reg-title\">"
         "Registration</h2><p class=\"muted\">Node <code>" +
         html(p.record.node) + "</code>; secret-looking keys are masked.</p><pre tabindex=\"0\">" +
         pretty_html(mask_secrets(p.record.payload)) + "</pre></section>";
}

std::string metrics_table(const PodView& p) {
  const json& data = p.metrics.result.data;
  std::string rows;
  if (data.is_object() && data.contains("metrics") && data["metrics"].is_object()) {
    for (const auto& [key, value] : data["metrics"].items()) {
      bool wanted = false;
      for (const char* h : kHighlights) wanted = wanted || key.starts_with(h);
      if (!wanted) continue;
      rows += "<tr><th scope=\"row\"><code>" + html(key) + "</code></th><td>" +
              html(json_text(value)) + "</td></tr>";
    }
  }
  if (rows.empty()) {
    std::string why =
        pod_facts(p).python ? "A Python pod has no /metrics." : "No /metrics answer yet.";
    rows = "<tr><td colspan=\"2\">" + why + "</td></tr>";
  }
  return "<table id=\"pod-metrics\" class=\"grid kv\"><caption>/metrics highlights</caption>"
         "<thead><tr><th scope=\"col\">Series</th><th "
         "scope=\"col\">Value</th></tr></thead><tbody>" +
         rows + "</tbody></table>";
}

std::string log_pane(const PodView& p) {
  return "<div id=\"" + html(pod_log_id(p)) +
         "\" class=\"log\" role=\"log\" aria-live=\"off\" "
         "tabindex=\"0\" aria-label=\"Log of " +
         html(p.record.key()) + "\">" + log_lines(p.log) + "</div>";
}

}  // namespace

Fragments pod_fragments(const ViewKey& view, const Snapshot& s, const Viewer& v) {
  const ClusterView* c = find_cluster(s, view.cluster);
  const PodView* p = c ? find_pod(*c, view.seq) : nullptr;
  if (p == nullptr) return {};
  return {{"pod-head", head(*c, *p, s, v)},
          {pod_log_id(*p), log_pane(*p)},
          {"pod-info", info_table(*p)},
          {"pod-metrics", metrics_table(*p)},
          {"pod-registration", registration(*p)}};
}

std::string pod_body(const ViewKey& view, const Snapshot& s, const Viewer&, const Fragments& f) {
  const ClusterView& c = *find_cluster(s, view.cluster);
  const PodView& p = *find_pod(c, view.seq);
  std::string log_id = pod_log_id(p);
  std::string json_href =
      "/api/v1/pods/" + url_part(c.name) + "/" + std::to_string(p.record.seq) + "/log";
  return "<nav aria-label=\"Breadcrumb\" class=\"crumbs\"><a href=\"/\">Clusters</a> › <a href=\"" +
         html(cluster_href(c.name)) + "\">" + html(c.name) +
         "</a> › <span aria-current=\"page\">#" + std::to_string(p.record.seq) +
         "</span></nav>\n<h1>" + html(p.record.key()) + "</h1>\n" + fragment(f, "pod-head") +
         "\n<section aria-labelledby=\"log-title\"><h2 id=\"log-title\">"
         "Log</h2>" +
         log_bar(log_id, json_href, c.name + "-" + std::to_string(p.record.seq)) + "\n" +
         fragment(f, log_id) +
         "\n</section>\n<div class=\"columns\"><div class=\"scroll\" "
         "role=\"region\" aria-label=\"/info\" tabindex=\"0\">" +
         fragment(f, "pod-info") +
         "</div>\n<div class=\"scroll\" role=\"region\" "
         "aria-label=\"/metrics highlights\" tabindex=\"0\">" +
         fragment(f, "pod-metrics") + "</div></div>\n" + fragment(f, "pod-registration") +
         "\n<p><a href=\"/events?c=" + html(url_part(c.name)) + "\">Events of " + html(c.name) +
         "</a></p>";
}

}  // namespace ochopod::cli::ui::pages
