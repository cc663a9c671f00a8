// view_fragments and view_page: which view renders what, and the shell
// around it.
#include "cli/ui/pages/views.h"

#include "cli/ui/pages/parts.h"

namespace ochopod::cli::ui {

namespace {

using Kind = ViewKey::Kind;

Fragments own_fragments(const ViewKey& view, const Snapshot& s, const Viewer& v) {
  switch (view.kind) {
    case Kind::kOverview:
      return pages::overview_fragments(view, s, v);
    case Kind::kCluster:
      return pages::cluster_fragments(view, s, v);
    case Kind::kPod:
      return pages::pod_fragments(view, s, v);
    case Kind::kLogs:
      return pages::logs_fragments(view, s, v);
    case Kind::kEvents:
      return pages::events_fragments(view, s, v);
    case Kind::kActions:
      return pages::actions_fragments(view, s, v);
    case Kind::kAction:
      return pages::action_fragments(view, s, v);
  }
  return {};
}

// The stream's ?view= (model.h parse_stream_view), the page's title and URL.
pages::Shell shell_of(const ViewKey& view) {
  std::string glob_query = view.glob == "*" ? "" : "?c=" + pages::url_part(view.glob);
  switch (view.kind) {
    case Kind::kOverview:
      return {"Clusters", "overview", view.glob, "/" + glob_query};
    case Kind::kCluster:
      return {view.cluster, "cluster:" + view.cluster, "*", pages::cluster_href(view.cluster)};
    case Kind::kPod:
      return {view.cluster + " #" + std::to_string(view.seq),
              "pod:" + view.cluster + "#" + std::to_string(view.seq), "*",
              pages::pod_href(view.cluster, view.seq)};
    case Kind::kLogs:
      return {view.cluster + " logs", "logs:" + view.cluster, "*", pages::logs_href(view.cluster)};
    case Kind::kEvents:
      return {"Events", "events", view.glob, "/events" + glob_query};
    case Kind::kActions:
      return {"Actions", "actions", "*", "/actions"};
    case Kind::kAction:
      return {"Action " + std::to_string(view.action), "action:" + std::to_string(view.action), "*",
              "/actions/" + std::to_string(view.action)};
  }
  return {};
}

}  // namespace

Fragments view_fragments(const ViewKey& view, const Snapshot& s, const Viewer& v) {
  Fragments own = own_fragments(view, s, v);
  if (own.empty()) return {};
  Fragments out{{"summary", pages::summary_fragment(s)}, {"zk-status", pages::zk_fragment(s)}};
  out.insert(out.end(), own.begin(), own.end());
  return out;
}

std::optional<std::string> view_page(const ViewKey& view, const Snapshot& s, const Viewer& v) {
  Fragments f = view_fragments(view, s, v);
  if (f.empty()) return std::nullopt;
  std::string body;
  switch (view.kind) {
    case Kind::kOverview:
      body = pages::overview_body(view, s, v, f);
      break;
    case Kind::kCluster:
      body = pages::cluster_body(view, s, v, f);
      break;
    case Kind::kPod:
      body = pages::pod_body(view, s, v, f);
      break;
    case Kind::kLogs:
      body = pages::logs_body(view, s, v, f);
      break;
    case Kind::kEvents:
      body = pages::events_body(view, s, v, f);
      break;
    case Kind::kActions:
      body = pages::actions_body(view, s, v, f);
      break;
    case Kind::kAction:
      body = pages::action_body(view, s, v, f);
      break;
  }
  Fragments common(f.begin(), f.begin() + 2);  // summary, zk-status: in the header
  return pages::document(shell_of(view), &s, &v, common, body);
}

}  // namespace ochopod::cli::ui
