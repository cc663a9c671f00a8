// The pieces the views (cli/ui/pages/views.h) are built from: lookups,
// times, the pod and cluster facts every table shows, badges, the page
// shell and each view's fragments and body. Internal to cli/ui/pages/; called
// on whatever thread renders (pure functions, no I/O, no clock).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cli/ui/model.h"
#include "cli/ui/pages/views.h"

namespace ochopod::cli::ui::pages {

// Lookups of our own, so the pages depend on the snapshot's data only.
const ClusterView* find_cluster(const Snapshot& s, std::string_view name);
const PodView* find_pod(const ClusterView& c, int seq);
const ActionRecord* find_action(const Snapshot& s, uint64_t id);

// Percent-encoded for one URL path segment or query value (then html() it
// like any text: the result is plain ASCII).
std::string url_part(std::string_view raw);
std::string cluster_href(std::string_view cluster);  // "/c/<cluster>"
std::string pod_href(std::string_view cluster, int seq);
std::string logs_href(std::string_view cluster);

// Times: "2 s ago", "3h12m", "2024-05-01T10:00:00Z", "10:00:00" (UTC: a
// pure function cannot know the browser's zone; app.js shows local time).
std::string ago_text(WallTime t, WallTime now);
std::string duration_text(double seconds);
// How long a child has run, to the minute: "under a minute", "12m", "3h12m".
std::string uptime_text(double seconds);
std::string iso_time(WallTime t);
std::string clock_time(WallTime t);
// <time datetime=... title=... data-ago=...>2 s ago</time>; app.js ticks it.
// "never" when t is 0.
std::string time_tag(WallTime t, WallTime now);
// When a pod last answered: "fresh" while that is recent, else time_tag; so
// that the rows of pods answering every 0.5 s do not change with each answer.
std::string freshness_tag(WallTime t, WallTime now);

// A JSON value as text: strings as they are, the rest dumped (invalid
// UTF-8 replaced, never thrown).
std::string json_text(const nlohmann::json& value);
// value.dump(2) escaped line by line, for a <pre>: html() shows a newline
// as a control picture, which a pretty-printed object must keep as is.
std::string pretty_html(const nlohmann::json& value);

// What one pod looks like from its last /info and /metrics.
struct PodFacts {
  bool answered = false;  // /info answered at least once and its last try worked
  std::string state;      // /info state: follower, leader, leader (configuring)...
  std::string process;    // stopped, running, terminating, dead; "" unknown
  std::string status;
  std::string reason;   // why the pod is unreachable, "" when it answers
  bool python = false;  // /metrics answered 404: a Python pod
  std::optional<double> uptime, starts, restarts, last_exit;
};
PodFacts pod_facts(const PodView& p);

struct ClusterFacts {
  int registered = 0;
  int running = 0;
  int unreachable = 0;
  const PodView* leader = nullptr;
  std::string state;  // OK, degraded, configuring, suspended, no leader, pending
};
ClusterFacts cluster_facts(const ClusterView& c);

// State as text plus a shape, never colour alone.
std::string process_badge(std::string_view process);
std::string cluster_badge(std::string_view state);
std::string state_text(std::string_view state);  // "⏸ suspended", "★ leader"...

// "pod-<dom id>", "log-<dom id>", "cluster-<name>", "sel-<dom id>".
std::string pod_row_id(const PodView& p);
std::string pod_log_id(const PodView& p);

// Fragments every page has.
std::string summary_fragment(const Snapshot& s);
std::string zk_fragment(const Snapshot& s);

// The HTML of fragment id (it must be there: the body functions embed
// what view_fragments returned, nothing else).
const std::string& fragment(const Fragments& f, std::string_view id);

// The document around a view's body. stream: the data-stream value ("" for
// static pages: no live stream); glob: the stream's ?c=.
struct Shell {
  std::string title;
  std::string stream;
  std::string glob = "*";
  std::string refresh;   // the page's own URL for the no-JS "Refresh" link; "": none
  int reload_after = 0;  // seconds: the browser reloads the page by itself; 0: never
};
std::string document(const Shell& shell, const Snapshot* s, const Viewer* v,
                     const Fragments& common, std::string_view body);

// The lines of a log pane: one <span class="line"> each, text only.
std::string log_lines(const std::vector<std::string>& lines);
// The controls above a log pane (filter, follow, download): hidden until
// app.js runs, they do nothing without it. json_href: the no-JS download.
std::string log_bar(std::string_view pane_id, std::string_view json_href, std::string_view name);

// A GET form to /confirm (docs/ui.md): hidden action/cluster/seq, one
// button per action. Empty for read-only viewers.
std::string pod_actions(const ClusterView& c, const PodView& p, const Viewer& v);
std::string cluster_actions(const ClusterView& c, const Viewer& v);

// Each view: its own fragments (after summary and zk-status) and its body,
// embedding those fragments. nullopt/empty for an unknown target.
Fragments overview_fragments(const ViewKey& view, const Snapshot& s, const Viewer& v);
std::string overview_body(const ViewKey& view, const Snapshot& s, const Viewer& v,
                          const Fragments& f);
Fragments cluster_fragments(const ViewKey& view, const Snapshot& s, const Viewer& v);
std::string cluster_body(const ViewKey& view, const Snapshot& s, const Viewer& v,
                         const Fragments& f);
Fragments pod_fragments(const ViewKey& view, const Snapshot& s, const Viewer& v);
std::string pod_body(const ViewKey& view, const Snapshot& s, const Viewer& v, const Fragments& f);
Fragments logs_fragments(const ViewKey& view, const Snapshot& s, const Viewer& v);
std::string logs_body(const ViewKey& view, const Snapshot& s, const Viewer& v, const Fragments& f);
Fragments events_fragments(const ViewKey& view, const Snapshot& s, const Viewer& v);
std::string events_body(const ViewKey& view, const Snapshot& s, const Viewer& v,
                        const Fragments& f);
Fragments actions_fragments(const ViewKey& view, const Snapshot& s, const Viewer& v);
std::string actions_body(const ViewKey& view, const Snapshot& s, const Viewer& v,
                         const Fragments& f);
Fragments action_fragments(const ViewKey& view, const Snapshot& s, const Viewer& v);
std::string action_body(const ViewKey& view, const Snapshot& s, const Viewer& v,
                        const Fragments& f);

// The merged log of a cluster: each pod's lines prefixed "#<seq> ",
// interleaved by their leading timestamp (a line without one follows the
// line before it).
std::vector<std::string> merged_log(const ClusterView& c);

}  // namespace ochopod::cli::ui::pages
