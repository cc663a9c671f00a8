// The dashboard's pages, server-rendered HTML (docs/ui.md "URLs" and
// "Element ids"): each view as a list of fragments (the elements the live
// stream replaces) and as a whole document embedding exactly those
// fragments, plus the confirmation, login and message pages.
//
// The HTTP router (cli/ui/web/server.h) calls these for pages, and the
// streams for the fragments they diff, on the "ui-http" thread. They are
// pure functions of (view, snapshot, viewer): no I/O, no clock (relative
// times are measured from Snapshot::at), no state. Every untrusted string
// goes through html() (cli/ui/pages/text.h) exactly once, here.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cli/ui/model.h"

namespace ochopod::cli::ui {

// Who is looking. can_act false: a read-only session, which gets no
// mutating control at all (no POST form, no action button, no confirm link)
// and a "Read-only session" banner.
struct Viewer {
  bool can_act = false;
  std::string csrf;  // the session's token: <meta name="csrf"> and hidden form fields
  std::string who;   // shown in the header ("code@127.0.0.1"); "" hides it
};

// Element id -> that element's outer HTML, in page order. Fragments never
// nest: a table's rows live inside its body's fragment (their ids are there
// for focus keeping), so a stream that sends each changed fragment whole
// never sends the same element twice.
using Fragments = std::vector<std::pair<std::string, std::string>>;

// What the stream diffs and sends: "summary" and "zk-status", then the view's
// own (docs/ui.md "Element ids"). Empty for an unknown cluster, pod or action.
Fragments view_fragments(const ViewKey& view, const Snapshot& s, const Viewer& v);

// A whole HTML document embedding view_fragments(view, s, v) verbatim;
// nullopt for an unknown cluster, pod or action (the server answers 404
// with message_page).
std::optional<std::string> view_page(const ViewKey& view, const Snapshot& s, const Viewer& v);

// The confirmation of an action (docs/ui.md "/confirm"): the exact pods and
// the effect, and a <form method="post" action="/actions"> carrying csrf,
// action, cluster, each seq (or all), each expect (the uuids shown), body
// (signal), tool (exec), confirm (kill: the cluster's name, typed). problem,
// when not empty, is shown first (a 409's difference, a bad JSON body...).
// app.js fetches this page and shows its form in a <dialog>.
std::string confirm_page(const ActionDraft& draft, const Snapshot& s, const Viewer& v,
                         std::string_view problem = "");

// The token form: POST /login, field "token". problem: "" or why the last
// try failed.
std::string login_page(std::string_view problem);

// A plain page for errors and notices (404, 403, 409...).
std::string message_page(int status, std::string_view title, std::string_view text);
// A page that reloads itself after a second: what is asked for is on its way
// (an action the hub has not shown yet).
std::string pending_page(std::string_view title, std::string_view text);

}  // namespace ochopod::cli::ui
