// The action controls (docs/ui.md "Actions"): the GET forms to /confirm on
// the cluster and pod pages, and confirm_page, whose POST form to /actions
// is what the person actually confirms (app.js shows it in a <dialog>).
// Read-only viewers get none of it.
#include <algorithm>
#include <set>

#include "cli/ui/pages/parts.h"
#include "cli/ui/pages/text.h"

namespace ochopod::cli::ui {

namespace pages {

namespace {

// A pattern attribute matching exactly text: the browser then refuses to
// submit a kill until the name is typed right (the server checks it again).
std::string exact_pattern(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (std::string_view("^$\\.*+?()[]{}|/").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

struct ActionText {
  const char* action;
  const char* label;   // the button
  const char* verb;    // the confirm page's title: "<verb> 2 pods of shop.web?"
  const char* effect;  // what will happen, in the CLI's words (docs/operating.md)
  bool danger;
};

constexpr ActionText kActions[] = {
    {"on", "On", "Start the process of", "The pod starts its child with the configuration it has.",
     false},
    {"off", "Off", "Stop the process of",
     "The pod stays registered; the child stops until someone turns it on again.", true},
    {"restart", "Restart", "Restart",
     "Off, then on: the child stops and starts again with the configuration it has.", true},
    {"kill", "Kill", "Kill",
     "Irreversible: the child stops for good and the pod idles as dead, refusing control "
     "(HTTP 410) until it is replaced.",
     true},
    {"signal", "Signal", "Signal",
     "The JSON object below goes to the pod's signal callback; what it does is up to the pod.",
     false},
    {"exec", "Run tool", "Run a tool on",
     "Each pod runs the tool (POST /exec); its exit code and output show on the result page "
     "(code 124: timed out).",
     false},
    {"rolling-restart", "Restart all, one at a time", "Restart, one at a time,",
     "Each pod, in this order, is restarted and must be running again before the next one is; "
     "the first failure stops the rest.",
     true},
};

const ActionText* find_text(std::string_view action) {
  for (const auto& a : kActions) {
    if (action == a.action) return &a;
  }
  return nullptr;
}

std::string button(const std::string& id_prefix, const ActionText& a) {
  return "<button type=\"submit\" name=\"action\" value=\"" + std::string(a.action) + "\" id=\"" +
         html(id_prefix + "-" + a.action) + "\"" + (a.danger ? " class=\"danger\"" : "") + ">" +
         a.label + "</button>";
}

std::string hidden(std::string_view name, std::string_view value) {
  return "<input type=\"hidden\" name=\"" + std::string(name) + "\" value=\"" + html(value) + "\">";
}

}  // namespace

std::string pod_actions(const ClusterView& c, const PodView& p, const Viewer& v) {
  if (!v.can_act) return "";
  PodFacts f = pod_facts(p);
  bool known = !f.process.empty();
  bool dead = f.process == "dead";
  bool running = f.process == "running";
  std::set<std::string_view> shown;
  // State gating (UI.md 4.5); a pod we know nothing of yet offers them all
  // but the tool runner, which needs a pod that answers.
  if (!known || (!running && !dead)) shown.insert("on");
  if (!known || running) shown.insert("off"), shown.insert("restart");
  if (!dead) shown.insert("signal"), shown.insert("kill");
  if (f.answered && !dead) shown.insert("exec");
  std::string buttons;
  std::string prefix = "act-" + p.dom_id();
  for (const auto& a : kActions) {
    if (shown.count(a.action)) buttons += button(prefix, a) + " ";
  }
  if (buttons.empty()) return "<p class=\"muted\">No action applies to a dead pod.</p>";
  return "<form class=\"actions\" method=\"get\" action=\"/confirm\" data-confirm "
         "aria-label=\"Actions on " +
         html(p.record.key()) + "\">" + hidden("cluster", c.name) +
         hidden("seq", std::to_string(p.record.seq)) + buttons + "</form>";
}

std::string cluster_actions(const ClusterView& c, const Viewer& v) {
  if (!v.can_act) return "";
  std::string buttons;
  for (const auto& a : kActions) {
    if (std::string_view(a.action) != "rolling-restart") buttons += button("act", a) + " ";
  }
  return "<form id=\"pod-actions\" class=\"actions\" method=\"get\" action=\"/confirm\" "
         "data-confirm aria-label=\"Act on the selected pods\">" +
         hidden("cluster", c.name) +
         "<p class=\"muted\">Tick pods in the table, then act on them (none ticked: all pods, "
         "after one more confirmation).</p>" +
         buttons +
         "</form>\n<form class=\"actions\" method=\"get\" action=\"/confirm\" data-confirm "
         "aria-label=\"Rolling restart\">" +
         hidden("cluster", c.name) + button("act", *find_text("rolling-restart")) + "</form>";
}

}  // namespace pages

std::string confirm_page(const ActionDraft& draft, const Snapshot& s, const Viewer& v,
                         std::string_view problem) {
  using namespace pages;
  const ActionText* text = find_text(draft.action);
  const ClusterView* c = find_cluster(s, draft.cluster);
  std::string back = c ? cluster_href(c->name) : "/";
  if (draft.seqs.size() == 1 && c && draft.action != "rolling-restart") {
    back = pod_href(c->name, draft.seqs[0]);
  }
  std::string body = "<h1>Confirm</h1>\n";
  if (!problem.empty()) body += "<p class=\"problem\" role=\"alert\">" + html(problem) + "</p>\n";
  auto done = [&](std::string why) {
    body += "<p class=\"problem\" role=\"alert\">" + why + "</p>\n<p><a href=\"" + html(back) +
            "\">Back</a></p>";
    return document({"Confirm", "", "*", "", 0}, &s, &v, {}, body);
  };
  if (!v.can_act) return done("Read-only session: actions are not available.");
  if (text == nullptr) return done("There is no action named " + html(draft.action) + ".");
  if (c == nullptr) return done("There is no cluster named " + html(draft.cluster) + ".");

  std::set<int> wanted(draft.seqs.begin(), draft.seqs.end());
  // Every pod ticked one by one is every pod: it takes the same explicit
  // "all N pods" as the cluster's own button (the runner refuses it otherwise).
  const bool every = c->pods.size() > 1 &&
                     std::all_of(c->pods.begin(), c->pods.end(),
                                 [&](const PodView& p) { return wanted.count(p.record.seq) != 0; });
  bool all = draft.all || draft.seqs.empty() || draft.action == "rolling-restart" || every;
  std::vector<const PodView*> pods;
  for (const auto& p : c->pods) {
    if (all || wanted.count(p.record.seq)) pods.push_back(&p);
  }
  std::string missing;
  for (int seq : wanted) {
    if (!all && find_pod(*c, seq) == nullptr) {
      missing += (missing.empty() ? "#" : ", #") + std::to_string(seq);
    }
  }
  if (pods.empty()) return done("No pod of " + html(c->name) + " is registered to act on.");

  std::string n = std::to_string(pods.size());
  std::string count = n + (pods.size() == 1 ? " pod" : " pods");
  std::string list;
  for (const auto* p : pods) {
    std::string node = p->record.string_field("node");
    list += "<li>" + html(p->record.key()) + (node.empty() ? "" : " on " + html(node)) + " — " +
            process_badge(pod_facts(*p).process) + "</li>";
  }
  body = "<h1>" + std::string(text->verb) + " " + count + " of " + html(c->name) + "?</h1>\n";
  std::string form =
      "<form id=\"confirm-form\" class=\"confirm\" method=\"post\" action=\"/actions\" "
      "aria-labelledby=\"confirm-title\">\n<h2 id=\"confirm-title\">" +
      std::string(text->label) + ": " + count + " of " + html(c->name) + "</h2>\n";
  if (!problem.empty()) form += "<p class=\"problem\" role=\"alert\">" + html(problem) + "</p>\n";
  if (!missing.empty()) {
    form += "<p class=\"problem\">Not registered any more, left out: " + missing + "</p>\n";
  }
  form += "<p>" + std::string(text->effect) + "</p>\n<" +
          std::string(draft.action == "rolling-restart" ? "ol" : "ul") + " class=\"pods\">" + list +
          "</" + std::string(draft.action == "rolling-restart" ? "ol" : "ul") + ">\n" +
          hidden("csrf", v.csrf) + hidden("action", draft.action) + hidden("cluster", c->name);
  for (const auto* p : pods) {
    if (!all) form += hidden("seq", std::to_string(p->record.seq));
    form += hidden("expect", p->record.uuid);
  }
  if (draft.action == "signal") {
    form +=
        "<p><label for=\"body\">JSON body (an object)</label><br><textarea id=\"body\" "
        "name=\"body\" rows=\"4\" cols=\"50\" required spellcheck=\"false\">" +
        html(draft.body.empty() ? "{}" : draft.body) + "</textarea></p>\n";
  }
  if (draft.action == "exec") {
    form +=
        "<p><label for=\"tool\">Tool and its arguments</label><br><input type=\"text\" "
        "id=\"tool\" name=\"tool\" required autocomplete=\"off\" spellcheck=\"false\" "
        "value=\"" +
        html(draft.tool) + "\"></p>\n";
  }
  if (draft.action == "kill") {
    form += "<p><label for=\"confirm\">Type <strong>" + html(c->name) +
            "</strong> to confirm</label><br><input type=\"text\" id=\"confirm\" name=\"confirm\" "
            "required pattern=\"" +
            html(exact_pattern(c->name)) +
            "\" title=\"the cluster's name, exactly\" autocomplete=\"off\" spellcheck=\"false\" "
            "value=\"\"></p>\n";
  }
  if (all) {
    form +=
        "<p><input type=\"checkbox\" id=\"all\" name=\"all\" value=\"1\" required> <label "
        "for=\"all\">all " +
        n + " pods</label></p>\n";
  }
  form += "<p class=\"buttons\"><a class=\"button\" href=\"" + html(back) +
          "\" data-cancel>Cancel</a> <button type=\"submit\"" +
          (text->danger ? " class=\"danger\"" : "") + ">" + text->label + " " + count +
          "</button></p>\n</form>";
  body += form;
  return document({"Confirm", "", "*", "", 0}, &s, &v, {}, body);
}

}  // namespace ochopod::cli::ui
