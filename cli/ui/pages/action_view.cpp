// The operator actions of this process (docs/ui.md "/actions"): the list,
// and one action with its per-pod results and, while a rolling restart
// runs, its Cancel form.
#include "cli/ui/pages/parts.h"
#include "cli/ui/pages/text.h"

namespace ochopod::cli::ui::pages {

namespace {

std::string progress(const ActionRecord& a) {
  size_t done = 0, failed = 0;
  for (const auto& p : a.pods) {
    if (p.done) ++done;
    if (p.done && !p.ok) ++failed;
  }
  std::string out;
  if (a.cancelled) {
    out = "<span class=\"badge warn\"><span aria-hidden=\"true\">■</span> cancelled</span>";
  } else if (a.finished <= 0) {
    out = "<span class=\"badge wait\"><span aria-hidden=\"true\">↻</span> running</span>";
  } else if (failed > 0) {
    out = "<span class=\"badge bad\"><span aria-hidden=\"true\">✕</span> failed</span>";
  } else {
    out = "<span class=\"badge ok\"><span aria-hidden=\"true\">✓</span> done</span>";
  }
  out += " " + std::to_string(done) + "/" + std::to_string(a.pods.size()) + " pods";
  if (failed > 0) out += ", " + std::to_string(failed) + " failed";
  return out;
}

std::string action_href(const ActionRecord& a) { return "/actions/" + std::to_string(a.id); }

std::string outcome_badge(const ActionOutcome& o) {
  if (!o.done)
    return "<span class=\"badge wait\"><span aria-hidden=\"true\">…</span> waiting</span>";
  if (o.ok) {
    return "<span class=\"badge ok\"><span aria-hidden=\"true\">✓</span> " + html(o.outcome) +
           "</span>";
  }
  return "<span class=\"badge bad\"><span aria-hidden=\"true\">✕</span> " + html(o.outcome) +
         "</span>";
}

std::string action_section(const ActionRecord& a, const Snapshot& s, const Viewer& v) {
  std::string rows;
  for (const auto& o : a.pods) {
    rows +=
        "<tr><th scope=\"row\">" +
        (o.seq >= 0 ? "<a href=\"" + html(pod_href(a.cluster, o.seq)) + "\">" + html(o.key) + "</a>"
                    : html(o.key)) +
        "</th><td>" + outcome_badge(o) + "</td><td>" + (o.http ? std::to_string(o.http) : "—") +
        "</td></tr>";
  }
  if (rows.empty()) rows = "<tr><td colspan=\"3\">No pod.</td></tr>";
  std::string out = "<section id=\"action-" + std::to_string(a.id) + "\" aria-label=\"Action " +
                    std::to_string(a.id) + "\"><dl class=\"facts\"><div><dt>Action</dt><dd>" +
                    html(a.action) + "</dd></div><div><dt>Cluster</dt><dd><a href=\"" +
                    html(cluster_href(a.cluster)) + "\">" + html(a.cluster) + "</a></dd></div>";
  if (!a.detail.empty())
    out += "<div><dt>Detail</dt><dd><code>" + html(a.detail) + "</code></dd></div>";
  out += "<div><dt>By</dt><dd>" + html(a.who) + "</dd></div><div><dt>Started</dt><dd>" +
         time_tag(a.started, s.at) + "</dd></div><div><dt>Progress</dt><dd>" + progress(a) +
         (a.finished > 0 ? ", took " + duration_text(a.finished - a.started) : "") +
         "</dd></div></dl>";
  if (v.can_act && a.action == "rolling-restart" && a.finished <= 0 && !a.cancelled) {
    out += "<form class=\"cancel\" method=\"post\" action=\"" + html(action_href(a)) +
           "/cancel\"><input type=\"hidden\" name=\"csrf\" value=\"" + html(v.csrf) +
           "\"><button type=\"submit\" class=\"danger\" id=\"cancel-" + std::to_string(a.id) +
           "\">Cancel the rolling restart</button></form>";
  }
  out +=
      "<table class=\"grid\"><caption>Result per pod</caption><thead><tr><th scope=\"col\">Pod"
      "</th><th scope=\"col\">Outcome</th><th scope=\"col\">HTTP</th></tr></thead><tbody>" +
      rows + "</tbody></table>";
  if (!a.output.empty()) {
    out += "<h2>Output</h2>" +
           std::string("<div class=\"log\" tabindex=\"0\" aria-label=\"Output\">") +
           log_lines(a.output) + "</div>";
  }
  return out + "</section>";
}

}  // namespace

Fragments actions_fragments(const ViewKey&, const Snapshot& s, const Viewer&) {
  std::string rows;
  for (auto it = s.actions.rbegin(); it != s.actions.rend(); ++it) {
    const ActionRecord& a = *it;
    rows += "<tr id=\"actions-" + std::to_string(a.id) + "\"><th scope=\"row\"><a href=\"" +
            html(action_href(a)) + "\">" + std::to_string(a.id) + "</a></th><td>" + html(a.action) +
            "</td><td><a href=\"" + html(cluster_href(a.cluster)) + "\">" + html(a.cluster) +
            "</a></td><td>" + html(a.who) + "</td><td>" + time_tag(a.started, s.at) + "</td><td>" +
            progress(a) + "</td></tr>\n";
  }
  if (rows.empty()) rows = "<tr><td colspan=\"6\">No action yet.</td></tr>\n";
  return {{"actions-body", "<tbody id=\"actions-body\">\n" + rows + "</tbody>"}};
}

std::string actions_body(const ViewKey&, const Snapshot&, const Viewer&, const Fragments& f) {
  return "<h1>Actions</h1>\n<div class=\"scroll\" role=\"region\" aria-labelledby=\"actions-cap\" "
         "tabindex=\"0\">\n<table class=\"grid\">\n<caption id=\"actions-cap\">Actions of this "
         "ui process, newest first</caption>\n<thead><tr><th scope=\"col\">Id</th><th "
         "scope=\"col\">Action</th><th scope=\"col\">Cluster</th><th scope=\"col\">By</th><th "
         "scope=\"col\">Started</th><th scope=\"col\">Outcome</th></tr></thead>\n" +
         fragment(f, "actions-body") + "\n</table>\n</div>";
}

Fragments action_fragments(const ViewKey& view, const Snapshot& s, const Viewer& v) {
  const ActionRecord* a = find_action(s, view.action);
  if (a == nullptr) return {};
  return {{"action-" + std::to_string(a->id), action_section(*a, s, v)}};
}

std::string action_body(const ViewKey& view, const Snapshot& s, const Viewer&, const Fragments& f) {
  const ActionRecord& a = *find_action(s, view.action);
  return "<nav aria-label=\"Breadcrumb\" class=\"crumbs\"><a href=\"/actions\">Actions</a> › <span "
         "aria-current=\"page\">" +
         std::to_string(a.id) + "</span></nav>\n<h1>Action " + std::to_string(a.id) + ": " +
         html(a.action) + " on " + html(a.cluster) + "</h1>\n" +
         fragment(f, "action-" + std::to_string(a.id));
}

}  // namespace ochopod::cli::ui::pages
