#include "cli/ui/web/routes.h"

#include <spdlog/spdlog.h>

#include <charconv>
#include <nlohmann/json.hpp>
#include <optional>

#include "cli/ops/report.h"
#include "cli/ui/action_runner.h"
#include "cli/ui/live/hub.h"
#include "cli/ui/pages/assets.h"
#include "cli/ui/pages/text.h"
#include "cli/ui/pages/views.h"
#include "cli/ui/web/auth.h"
#include "cli/ui/web/streams.h"

namespace ochopod::cli::ui {

using nlohmann::json;

namespace {

constexpr char kCookie[] = "ochopod_ui";
constexpr char kJson[] = "application/json";
constexpr char kPolicy[] =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

struct Caller {
  Session session;
  bool bearer = false;  // came with Authorization: Bearer (no cookie, so no CSRF)
};

WebReply with_headers(WebReply reply, bool cacheable = false) {
  reply.headers.emplace_back("Content-Security-Policy", kPolicy);
  reply.headers.emplace_back("X-Content-Type-Options", "nosniff");
  // Not no-referrer: under it Chromium sends "Origin: null" with a form's
  // POST, and the Origin check would refuse every action made without
  // JavaScript. same-origin still tells other sites nothing.
  reply.headers.emplace_back("Referrer-Policy", "same-origin");
  reply.headers.emplace_back("X-Frame-Options", "DENY");
  reply.headers.emplace_back("Cache-Control",
                             cacheable ? "public, max-age=31536000, immutable" : "no-store");
  return reply;
}

WebReply page(int status, std::string body) {
  WebReply reply;
  reply.status = status;
  reply.body = std::move(body);
  return with_headers(std::move(reply));
}

WebReply json_reply(int status, const json& body) {
  WebReply reply;
  reply.status = status;
  reply.content_type = kJson;
  reply.body = body.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
  return with_headers(std::move(reply));
}

WebReply json_text(std::string body) {
  WebReply reply;
  reply.content_type = kJson;
  reply.body = std::move(body);
  return with_headers(std::move(reply));
}

WebReply redirect(const std::string& location, const std::string& cookie = "") {
  WebReply reply;
  reply.status = 303;
  reply.headers.emplace_back("Location", location);
  if (!cookie.empty()) reply.headers.emplace_back("Set-Cookie", cookie);
  return with_headers(std::move(reply));
}

std::string session_cookie(const Session& session) {
  return std::string(kCookie) + "=" + session.id + "; Path=/; HttpOnly; SameSite=Strict";
}

std::optional<int64_t> number(std::string_view text) {
  int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

// "/a/b/c" -> {"a", "b", "c"}.
std::vector<std::string> segments(std::string_view path) {
  std::vector<std::string> out;
  while (!path.empty()) {
    if (path.front() == '/') {
      path.remove_prefix(1);
      continue;
    }
    const size_t slash = path.find('/');
    out.emplace_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash);
  }
  return out;
}

// The page a GET path shows; nullopt: not a page.
std::optional<ViewKey> page_view(const WebRequest& req) {
  const auto parts = segments(req.path);
  ViewKey view;
  const std::string glob = param(req.query, "c");
  if (!glob.empty()) view.glob = glob;
  if (parts.empty()) return view;
  if (parts[0] == "c" && parts.size() >= 2 && parts.size() <= 3) {
    view.cluster = parts[1];
    view.kind = ViewKey::Kind::kCluster;
    if (parts.size() == 3) {
      if (parts[2] == "logs") {
        view.kind = ViewKey::Kind::kLogs;
      } else if (auto seq = number(parts[2]); seq && *seq >= 0) {
        view.kind = ViewKey::Kind::kPod;
        view.seq = static_cast<int>(*seq);
      } else {
        return std::nullopt;
      }
    }
    return view;
  }
  if (parts.size() == 1 && parts[0] == "events") {
    view.kind = ViewKey::Kind::kEvents;
    return view;
  }
  if (parts[0] == "actions" && parts.size() <= 2) {
    view.kind = ViewKey::Kind::kActions;
    if (parts.size() == 2) {
      auto id = number(parts[1]);
      if (!id || *id <= 0) return std::nullopt;
      view.kind = ViewKey::Kind::kAction;
      view.action = static_cast<uint64_t>(*id);
    }
    return view;
  }
  return std::nullopt;
}

bool truthy(const std::string& value) {
  return value == "on" || value == "1" || value == "true" || value == "yes";
}

ActionDraft draft_from_params(const Params& p) {
  ActionDraft draft;
  draft.action = param(p, "action");
  draft.cluster = param(p, "cluster");
  for (const auto& seq : params(p, "seq")) {
    if (auto n = number(seq); n && *n >= 0) draft.seqs.push_back(static_cast<int>(*n));
  }
  draft.all = truthy(param(p, "all"));
  draft.expect = params(p, "expect");
  draft.body = param(p, "body");
  draft.tool = param(p, "tool");
  draft.confirm = param(p, "confirm");
  return draft;
}

// nullopt with *error when the body is not the documented object.
std::optional<ActionDraft> draft_from_json(const std::string& text, std::string* error) {
  const json in = json::parse(text, nullptr, false);
  if (!in.is_object()) {
    *error = "the body must be a JSON object";
    return std::nullopt;
  }
  ActionDraft draft;
  auto str = [&](const char* key) {
    const auto it = in.find(key);
    return it != in.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  draft.action = str("action");
  draft.cluster = str("cluster");
  draft.confirm = str("confirm");
  draft.tool = str("tool");
  if (const auto it = in.find("body"); it != in.end()) {
    draft.body = it->is_string() ? it->get<std::string>() : it->dump();
  }
  if (const auto it = in.find("args"); it != in.end() && it->is_array()) {
    for (const auto& a : *it) {
      if (a.is_string()) draft.tool += " " + a.get<std::string>();
    }
  }
  if (const auto it = in.find("all"); it != in.end())
    draft.all = it->is_boolean() && it->get<bool>();
  if (const auto it = in.find("seqs"); it != in.end()) {
    if (!it->is_array()) {
      *error = "seqs must be an array of numbers";
      return std::nullopt;
    }
    for (const auto& s : *it) {
      if (!s.is_number_integer()) {
        *error = "seqs must be an array of numbers";
        return std::nullopt;
      }
      draft.seqs.push_back(s.get<int>());
    }
  }
  if (const auto it = in.find("expect"); it != in.end() && it->is_array()) {
    for (const auto& u : *it) {
      if (u.is_string()) draft.expect.push_back(u.get<std::string>());
    }
  }
  return draft;
}

json event_json(const Event& e) {
  return {{"id", e.id},           {"at", e.at},   {"kind", e.kind},
          {"cluster", e.cluster}, {"seq", e.seq}, {"detail", e.detail}};
}

json action_json(const ActionRecord& a) {
  json pods = json::array();
  for (const auto& p : a.pods) {
    pods.push_back({{"key", p.key},
                    {"seq", p.seq},
                    {"done", p.done},
                    {"ok", p.ok},
                    {"http", p.http},
                    {"outcome", p.outcome}});
  }
  return {
      {"id", a.id},   {"action", a.action},   {"cluster", a.cluster},   {"detail", a.detail},
      {"who", a.who}, {"started", a.started}, {"finished", a.finished}, {"cancelled", a.cancelled},
      {"pods", pods}, {"output", a.output}};
}

class Router {
 public:
  explicit Router(UiContext& context) : c_(context) {}

  WebReply operator()(const WebRequest& req) {
    // Probes (a kubelet's Host is the pod's IP) read no data and change
    // nothing: answered whatever the Host.
    if (req.path == "/healthz") return healthz();
    const std::string host = req.header("host");
    if (!c_.auth.host_allowed(host, c_.listen_host)) {
      spdlog::warn("[ui] {}: Host '{}' refused (421)", req.peer, clean_text(host));
      return page(421, message_page(421, "Misdirected request",
                                    "This dashboard does not answer to that host name."));
    }
    if (starts_with(req.path, "/assets/")) return asset(req);
    if (req.path == "/login") return login(req);
    const bool api = starts_with(req.path, "/api/");
    const auto caller = caller_of(req, api);
    if (!caller) {
      if (api)
        return json_reply(401, {{"error", "log in first (Authorization: Bearer <ui token>)"}});
      return page(401, login_page("Log in: open the one-time URL printed when the dashboard "
                                  "started, or give a token."));
    }
    if (req.method == "POST") {
      if (!caller->bearer && !Auth::post_allowed(caller->session,
                                                 first_of(req.header("x-ochopod-csrf"),
                                                          param(parse_form(req.body), "csrf")),
                                                 req.header("origin"), host)) {
        spdlog::warn("[ui] {}: POST {} without a valid CSRF token or Origin (403)", req.peer,
                     clean_text(req.path));
        return api ? json_reply(403, {{"error", "CSRF token or Origin missing or wrong"}})
                   : page(403, message_page(403, "Forbidden",
                                            "The form had expired or came from another site. "
                                            "Reload the page and try again."));
      }
      if (req.path == "/logout") {
        c_.auth.logout(caller->session.id);
        return redirect("/login", std::string(kCookie) + "=; Path=/; Max-Age=0");
      }
      if (!can_act(*caller)) {
        return api ? json_reply(403, {{"error", "read-only session"}})
                   : page(403, message_page(403, "Read-only session",
                                            "This session can look, not act."));
      }
      return api ? api_post(req, *caller) : form_post(req, *caller);
    }
    if (req.method != "GET" && req.method != "HEAD") {
      return api ? json_reply(405, {{"error", "GET or POST"}})
                 : page(405, message_page(405, "Method not allowed", "GET or POST only."));
    }
    return api ? api_get(req, *caller) : page_get(req, *caller);
  }

 private:
  static std::string first_of(std::string a, std::string b) { return a.empty() ? b : a; }

  // The hub's picture, or null before its first one (version 0 is empty,
  // not true): pages and the API answer 503 until then.
  SnapshotPtr current() const {
    SnapshotPtr s = c_.hub.snapshot();
    return s && s->version > 0 ? s : nullptr;
  }

  bool can_act(const Caller& caller) const {
    return caller.session.role == Role::kOperator && !c_.auth.read_only();
  }

  Viewer viewer_of(const Caller& caller) const {
    Viewer v;
    v.can_act = can_act(caller);
    v.csrf = caller.session.csrf;
    v.who = caller.session.who;
    return v;
  }

  std::optional<Caller> caller_of(const WebRequest& req, bool api) {
    const auto now = AuthClock::now();
    const std::string cookie = cookie_value(req.header("cookie"), kCookie);
    if (!cookie.empty()) {
      if (auto session = c_.auth.session(cookie, now)) return Caller{*session, false};
    }
    const std::string authorization = req.header("authorization");
    if (api && starts_with(authorization, "Bearer ")) {
      if (auto session = c_.auth.bearer(authorization.substr(7), req.peer)) {
        return Caller{*session, true};
      }
    }
    return std::nullopt;
  }

  WebReply asset(const WebRequest& req) {
    const Asset* found = find_asset(req.path.substr(8));
    if (found == nullptr) return page(404, message_page(404, "Not found", "No such file."));
    WebReply reply;
    reply.content_type = std::string(found->content_type);
    if (req.header("if-none-match") == found->etag) {
      reply.status = 304;
    } else {
      reply.body = std::string(found->bytes);
    }
    reply.headers.emplace_back("ETag", found->etag);
    return with_headers(std::move(reply), true);
  }

  WebReply healthz() {
    const SnapshotPtr s = current();
    json out = {{"zk", s && s->zk.connected ? "connected" : "lost"},
                {"pod_calls", s ? s->pod_calls : 0},
                {"streams", c_.streams.size()}};
    if (s && !s->zk.connected) out["stale_since"] = s->zk.stale_since;
    return json_reply(s && s->zk.connected ? 200 : 503, out);
  }

  WebReply login(const WebRequest& req) {
    const auto now = AuthClock::now();
    if (req.method == "GET") {
      const std::string code = param(req.query, "code");
      if (code.empty()) return page(200, login_page(""));
      if (auto session = c_.auth.redeem_code(code, req.peer, now)) {
        spdlog::info("[ui] {} logged in with the one-time code", req.peer);
        return redirect("/", session_cookie(*session));
      }
      spdlog::warn("[ui] {}: a used, expired or unknown login code", req.peer);
      return page(401, login_page("That login link was used already or has expired. Restart "
                                  "the dashboard for a new one, or give a token."));
    }
    if (req.method != "POST") return page(405, message_page(405, "Method not allowed", ""));
    // A login form has no session yet, so no CSRF token: Origin stands in.
    const std::string origin = req.header("origin");
    const std::string host_header = req.header("host");
    if (!origin.empty() && origin != "http://" + host_header &&
        origin != "https://" + host_header) {
      return page(403, message_page(403, "Forbidden", "The form came from another site."));
    }
    const std::string token = param(parse_form(req.body), "token");
    if (auto session = c_.auth.login_with_token(token, req.peer, now)) {
      spdlog::info("[ui] {} logged in with a token as {}", req.peer,
                   session->role == Role::kOperator ? "operator" : "viewer");
      return redirect("/", session_cookie(*session));
    }
    spdlog::warn("[ui] {}: a failed token login", req.peer);
    return page(401, login_page("Wrong token, or too many tries: wait and try again."));
  }

  WebReply page_get(const WebRequest& req, const Caller& caller) {
    const SnapshotPtr s = current();
    if (!s) return page(503, message_page(503, "Starting", "Reading ZooKeeper; try again."));
    const Viewer viewer = viewer_of(caller);
    if (req.path == "/confirm") {
      if (!viewer.can_act) {
        return page(403, message_page(403, "Read-only session", "This session can look, not act."));
      }
      return page(200, confirm_page(draft_from_params(req.query), *s, viewer));
    }
    const auto view = page_view(req);
    if (!view) return page(404, message_page(404, "Not found", "No such page."));
    // A page without JavaScript opens no stream, so the cache does not know
    // it is on screen: its pods are asked now, for the next reload.
    if (!view->cluster.empty()) c_.hub.refresh(view->cluster);
    auto body = view_page(*view, *s, viewer);
    if (!body && view->kind == ViewKey::Kind::kAction && c_.actions.issued(view->action)) {
      // Started a moment ago: the hub shows it within its next publish.
      return page(200, pending_page("Action " + std::to_string(view->action),
                                    "Starting; this page reloads by itself."));
    }
    if (!body) return page(404, message_page(404, "Not found", "No such cluster, pod or action."));
    return page(200, std::move(*body));
  }

  WebReply form_post(const WebRequest& req, const Caller& caller) {
    const Params form = parse_form(req.body);
    const auto parts = segments(req.path);
    if (parts.size() == 3 && parts[0] == "actions" && parts[2] == "cancel") {
      if (auto id = number(parts[1]); id && *id > 0) {
        c_.actions.cancel(static_cast<uint64_t>(*id));
        spdlog::info("[ui] action {} cancelled by {}", *id, caller.session.who);
        return redirect("/actions/" + std::to_string(*id));
      }
    }
    if (req.path != "/actions") return page(404, message_page(404, "Not found", "No such form."));
    const SnapshotPtr s = current();
    if (!s) return page(503, message_page(503, "Starting", "Reading ZooKeeper; try again."));
    const ActionDraft draft = draft_from_params(form);
    const ActionStart started = c_.actions.start(draft, caller.session.who, *s);
    if (started.status == 202) return redirect("/actions/" + std::to_string(started.id));
    std::string problem = started.error;
    for (const auto& key : started.left) problem += "; " + key + " left";
    for (const auto& key : started.joined) problem += "; " + key + " joined";
    return page(started.status, confirm_page(draft, *s, viewer_of(caller), problem));
  }

  WebReply api_post(const WebRequest& req, const Caller& caller) {
    const auto parts = segments(req.path);
    if (parts.size() == 5 && parts[2] == "actions" && parts[4] == "cancel") {
      const auto id = number(parts[3]);
      if (!id || *id <= 0 || !c_.actions.cancel(static_cast<uint64_t>(*id))) {
        return json_reply(404, {{"error", "no such running action"}});
      }
      spdlog::info("[ui] action {} cancelled by {}", *id, caller.session.who);
      return json_reply(200, {{"cancelled", *id}});
    }
    if (req.path != "/api/v1/actions") return json_reply(404, {{"error", "no such endpoint"}});
    std::string error;
    const auto draft = draft_from_json(req.body, &error);
    if (!draft) return json_reply(400, {{"error", error}});
    const SnapshotPtr s = current();
    if (!s) return json_reply(503, {{"error", "starting"}});
    const ActionStart started = c_.actions.start(*draft, caller.session.who, *s);
    if (started.status == 202) return json_reply(202, {{"id", started.id}});
    json out = {{"error", started.error}};
    if (started.status == 409) {
      out["left"] = started.left;
      out["joined"] = started.joined;
    }
    return json_reply(started.status, out);
  }

  WebReply api_get(const WebRequest& req, const Caller& caller) {
    const SnapshotPtr s = current();
    if (!s) return json_reply(503, {{"error", "starting"}});
    const auto parts = segments(req.path);  // api v1 ...
    if (parts.size() < 3 || parts[1] != "v1")
      return json_reply(404, {{"error", "no such endpoint"}});
    const std::string& what = parts[2];
    if (what == "stream" && parts.size() == 3) {
      const std::string glob = param(req.query, "c");
      const auto view = parse_stream_view(param(req.query, "view"), glob.empty() ? "*" : glob);
      if (!view) return json_reply(400, {{"error", "unknown view"}});
      WebReply reply;
      reply.headers.emplace_back("Cache-Control", "no-store");
      reply.headers.emplace_back("X-Accel-Buffering", "no");
      Streams& streams = c_.streams;
      reply.stream = [&streams, view = *view, viewer = viewer_of(caller)](
                         std::shared_ptr<EventSink> sink) { streams.open(sink, view, viewer); };
      return reply;
    }
    if (what == "clusters" && parts.size() == 3) return clusters_json(*s, param(req.query, "c"));
    if (what == "clusters" && parts.size() == 5 && parts[4] == "pods") {
      return pods_json(*s, parts[3]);
    }
    if (what == "pods" && parts.size() == 6 && parts[5] == "log")
      return log_json(*s, parts[3], parts[4]);
    if (what == "events" && parts.size() == 3) {
      const auto since = number(param(req.query, "since")).value_or(0);
      json events = json::array();
      for (const auto& e : s->events) {
        if (static_cast<int64_t>(e.id) > since) events.push_back(event_json(e));
      }
      return json_reply(200, {{"events", events}});
    }
    if (what == "actions" && parts.size() == 4) {
      const auto id = number(parts[3]);
      const ActionRecord* a = id ? s->action(static_cast<uint64_t>(*id)) : nullptr;
      if (a == nullptr) return json_reply(404, {{"error", "no such action"}});
      return json_reply(200, action_json(*a));
    }
    if (what == "actions" && parts.size() == 3) {
      json all = json::array();
      for (const auto& a : s->actions) all.push_back(action_json(a));
      return json_reply(200, {{"actions", all}});
    }
    return json_reply(404, {{"error", "no such endpoint"}});
  }

  // `ochopod ls -j`, from the cache: the same renderer as the CLI.
  WebReply clusters_json(const Snapshot& s, std::string glob) {
    if (glob.empty()) glob = "*";
    std::vector<std::string> names;
    std::vector<PodRecord> pods;
    std::vector<PodResult> results;
    for (const auto& cluster : s.clusters) {
      if (!glob_match(glob, cluster.name)) continue;
      names.push_back(cluster.name);
      for (const auto& pod : cluster.pods) {
        pods.push_back(pod.record);
        results.push_back(result_of(pod.info));
      }
    }
    return json_text(render_clusters(names, pods, results, true));
  }

  // `ochopod info -j <cluster>`.
  WebReply pods_json(const Snapshot& s, const std::string& name) {
    const ClusterView* cluster = s.cluster(name);
    if (cluster == nullptr) return json_reply(404, {{"error", "no such cluster"}});
    std::vector<PodRecord> pods;
    std::vector<PodResult> results;
    for (const auto& pod : cluster->pods) {
      pods.push_back(pod.record);
      results.push_back(result_of(pod.info));
    }
    return json_text(render_pods(pods, results, PodReportStyle{}, true));
  }

  // `ochopod log -j -l -i <seq> <cluster>`: asked of the pod now, off this thread.
  WebReply log_json(const Snapshot& s, const std::string& cluster, const std::string& seq_text) {
    const auto seq = number(seq_text);
    const PodView* pod = seq ? s.pod(cluster, static_cast<int>(*seq)) : nullptr;
    if (pod == nullptr) return json_reply(404, {{"error", "no such pod"}});
    WebReply reply;
    reply.later = [this, record = pod->record](std::function<void(WebReply)> done) {
      c_.actions.defer([record, reach = c_.reach, done = std::move(done)] {
        const PodResult result = log_action(record, reach, 0);
        done(json_text(render_pods({record}, {result}, PodReportStyle{}, true)));
      });
    };
    return reply;
  }

  // A pod not asked yet reads as one that did not answer, as the CLI would
  // print it.
  static PodResult result_of(const Fetch& fetch) {
    if (fetch.at > 0) return fetch.result;
    PodResult pending;
    pending.error = "no answer (not asked yet)";
    return pending;
  }

  UiContext& c_;
};

}  // namespace

WebServer::Router make_router(UiContext& context) {
  auto router = std::make_shared<Router>(context);
  return [router](const WebRequest& req) { return (*router)(req); };
}

}  // namespace ochopod::cli::ui
