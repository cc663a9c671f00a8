// The document shell every page shares, and the pages that are nothing but
// the shell: message_page and login_page.
#include "cli/ui/pages/assets.h"
#include "cli/ui/pages/parts.h"
#include "cli/ui/pages/text.h"

namespace ochopod::cli::ui {

namespace pages {

std::string document(const Shell& shell, const Snapshot* s, const Viewer* v,
                     const Fragments& common, std::string_view body) {
  std::string out =
      "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<meta name=\"color-scheme\" content=\"light dark\">\n<title>" +
      html(shell.title) + " · ochopod</title>\n";
  if (shell.reload_after > 0) {
    out += "<meta http-equiv=\"refresh\" content=\"" + std::to_string(shell.reload_after) + "\">\n";
  }
  // The script reads the token from here for X-Ochopod-CSRF; read-only
  // sessions have nothing to send.
  if (v != nullptr && v->can_act) out += "<meta name=\"csrf\" content=\"" + html(v->csrf) + "\">\n";
  out += "<link rel=\"icon\" type=\"image/svg+xml\" href=\"" + html(asset_url("favicon.svg")) +
         "\">\n<link rel=\"stylesheet\" href=\"" + html(asset_url("app.css")) +
         "\">\n<script type=\"module\" src=\"" + html(asset_url("app.js")) +
         "\"></script>\n</head>\n<body";
  if (!shell.stream.empty()) {
    out += " data-stream=\"" + html(shell.stream) + "\" data-glob=\"" + html(shell.glob) + "\"";
  }
  if (s != nullptr) out += " data-now=\"" + std::to_string(static_cast<long long>(s->at)) + "\"";
  out +=
      ">\n<a class=\"skip\" href=\"#main\">Skip to content</a>\n<header class=\"top\">\n"
      "<nav aria-label=\"Main\"><a class=\"brand\" href=\"/\">ochopod</a> <a href=\"/\">Clusters"
      "</a> <a href=\"/events\">Events</a> <a href=\"/actions\">Actions</a></nav>\n";
  for (const auto& [id, fragment_html] : common) out += fragment_html + "\n";
  if (!shell.stream.empty()) {
    out += "<div id=\"conn\" class=\"conn\" role=\"status\"></div>\n";
  }
  if (!shell.refresh.empty()) {
    out += "<a class=\"refresh\" id=\"refresh\" href=\"" + html(shell.refresh) + "\">Refresh</a>\n";
  }
  if (v != nullptr && !v->who.empty()) {
    out += "<span class=\"who\">Signed in as " + html(v->who) + "</span>\n";
  }
  // Viewers sign out too: the one POST a read-only session may make.
  if (v != nullptr && !v->csrf.empty()) {
    out +=
        "<form class=\"logout\" method=\"post\" action=\"/logout\"><input type=\"hidden\" "
        "name=\"csrf\" value=\"" +
        html(v->csrf) + "\"><button type=\"submit\">Sign out</button></form>\n";
  }
  out += "</header>\n";
  if (v != nullptr && !v->can_act) {
    out +=
        "<p class=\"banner readonly\" role=\"note\"><strong>Read-only session</strong>: you can "
        "look, not act.</p>\n";
  }
  out += "<main id=\"main\" tabindex=\"-1\">\n";
  out += body;
  out += "\n</main>\n</body>\n</html>\n";
  return out;
}

}  // namespace pages

std::string message_page(int status, std::string_view title, std::string_view text) {
  std::string body = "<h1>" + html(title) + "</h1>\n<p>" + html(text) +
                     "</p>\n<p class=\"muted\">HTTP " + std::to_string(status) +
                     ". <a href=\"/\">Back to the clusters</a></p>";
  return pages::document({std::string(title), "", "*", "", 0}, nullptr, nullptr, {}, body);
}

std::string pending_page(std::string_view title, std::string_view text) {
  std::string body = "<h1>" + html(title) + "</h1>\n<p role=\"status\">" + html(text) + "</p>";
  return pages::document({std::string(title), "", "*", "", 1}, nullptr, nullptr, {}, body);
}

std::string login_page(std::string_view problem) {
  std::string body = "<h1>Sign in</h1>\n";
  if (!problem.empty()) {
    body += "<p class=\"problem\" role=\"alert\">" + html(problem) + "</p>\n";
  }
  body +=
      "<form class=\"login\" method=\"post\" action=\"/login\">\n<p><label for=\"token\">UI token"
      "</label><br><input type=\"password\" id=\"token\" name=\"token\" required "
      "autocomplete=\"current-password\" autofocus></p>\n<p><button type=\"submit\">Sign in"
      "</button></p>\n</form>\n<p class=\"muted\">Or open the one-time link <code>ochopod ui"
      "</code> printed when it started.</p>";
  return pages::document({"Sign in", "", "*", "", 0}, nullptr, nullptr, {}, body);
}

}  // namespace ochopod::cli::ui
