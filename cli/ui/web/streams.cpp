#include "cli/ui/web/streams.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "cli/ui/live/hub.h"
#include "cli/ui/live/log_tail.h"

namespace ochopod::cli::ui {

using nlohmann::json;

namespace {

constexpr std::chrono::milliseconds kPace{250};
constexpr std::chrono::milliseconds kPing{15000};

std::string event(std::string_view name, const json& data) {
  std::string out = "event: ";
  out += name;
  out += "\ndata: ";
  out += data.dump(-1, ' ', false, json::error_handler_t::replace);
  out += "\n\n";
  return out;
}

// The log lines a view shows and the id of its pane; empty id: no log pane.
std::string log_of(const ViewKey& view, const Snapshot& snapshot, std::vector<std::string>* lines) {
  if (view.kind == ViewKey::Kind::kPod) {
    const PodView* pod = snapshot.pod(view.cluster, view.seq);
    if (pod == nullptr) return "";
    *lines = pod->log;
    return "log-" + pod->dom_id();
  }
  if (view.kind == ViewKey::Kind::kLogs) {
    const ClusterView* cluster = snapshot.cluster(view.cluster);
    if (cluster == nullptr) return "";
    *lines = merge_logs(*cluster);
    return "log-" + view.cluster;
  }
  return "";
}

// What html() (pages/text.h) made of an id, back to the id the DOM holds.
std::string unescape(std::string_view text) {
  static const std::pair<std::string_view, char> kEntities[] = {
      {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&#39;", '\''}};
  std::string out;
  for (size_t i = 0; i < text.size();) {
    bool matched = false;
    for (const auto& [entity, c] : kEntities) {
      if (text.substr(i, entity.size()) == entity) {
        out += c;
        i += entity.size();
        matched = true;
        break;
      }
    }
    if (!matched) out += text[i++];
  }
  return out;
}

using Rows = std::vector<std::pair<std::string, std::string>>;

// The rows of a table body as the views render it (docs/ui.md "Element
// ids"): "<tbody id=...>\n", then one "<tr id=\"...\">...</tr>" per line.
// Empty for anything else, which is then only ever sent whole.
Rows rows_of(const std::string& html) {
  Rows rows;
  if (html.rfind("<tbody id=\"", 0) != 0) return rows;
  size_t at = html.find('\n');
  while (at != std::string::npos && html.compare(at + 1, 8, "<tr id=\"") == 0) {
    const size_t start = at + 1;
    const size_t end = html.find('\n', start);
    if (end == std::string::npos) return {};
    const size_t quote = html.find('"', start + 8);
    if (quote == std::string::npos || quote > end) return {};
    rows.emplace_back(unescape(std::string_view(html).substr(start + 8, quote - start - 8)),
                      html.substr(start, end - start));
    at = end;
  }
  // Anything else after the rows (a row spanning lines): sent whole.
  if (at == std::string::npos || html.compare(at + 1, std::string::npos, "</tbody>") != 0)
    return {};
  return rows;
}

bool same_ids(const Rows& a, const Rows& b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(),
                    [](const auto& x, const auto& y) { return x.first == y.first; });
}

}  // namespace

Streams::Streams(WebServer& server, Hub& hub) : server_(server), hub_(hub) {}

Streams::~Streams() {
  for (auto& [id, stream] : streams_) {
    stream.sink->on_close(nullptr);
    hub_.unsubscribe(stream.subscription);
  }
}

void Streams::open(std::shared_ptr<EventSink> sink, const ViewKey& view, const Viewer& viewer) {
  const uint64_t id = next_id_++;
  Stream& stream = streams_[id];
  stream.sink = std::move(sink);
  stream.view = view;
  stream.viewer = viewer;
  stream.subscription = hub_.subscribe(view);
  // Later, not now: a sink can close inside send(), while a flush walks
  // streams_.
  stream.sink->on_close([this, id] { server_.post([this, id] { close(id); }); });
  // Tells EventSource how long to wait before it reconnects.
  stream.sink->send("retry: 1000\n\n");
  // Before the hub's first picture there is nothing true to show: the first
  // publish's flush sends the whole view.
  if (const SnapshotPtr now = hub_.snapshot(); now && now->version > 0) send_view(stream, *now);
  if (!pinging_) {
    pinging_ = true;
    server_.post_after(kPing, [this] { ping(); });
  }
}

void Streams::close(uint64_t id) {
  const auto it = streams_.find(id);
  if (it == streams_.end()) return;
  hub_.unsubscribe(it->second.subscription);
  streams_.erase(it);
}

void Streams::published(SnapshotPtr snapshot) {
  latest_ = std::move(snapshot);
  if (flush_pending_ || streams_.empty()) return;
  flush_pending_ = true;
  const auto now = std::chrono::steady_clock::now();
  const auto due = last_flush_ + kPace;
  const auto wait = due > now ? std::chrono::duration_cast<std::chrono::milliseconds>(due - now)
                              : std::chrono::milliseconds(0);
  server_.post_after(wait, [this] { flush(); });
}

void Streams::flush() {
  flush_pending_ = false;
  last_flush_ = std::chrono::steady_clock::now();
  if (!latest_) return;
  for (auto& [id, stream] : streams_) send_view(stream, *latest_);
}

void Streams::send_view(Stream& stream, const Snapshot& snapshot) {
  if (!stream.sink->open()) return;
  const bool first = !stream.started;
  stream.started = true;
  std::string out;
  std::vector<std::string> lines;
  const std::string pane = log_of(stream.view, snapshot, &lines);
  for (auto& [id, html] : view_fragments(stream.view, snapshot, stream.viewer)) {
    // A log pane is sent whole once; after that its new lines come as `log`
    // events, so the script keeps its filter, pause and scroll.
    if (!first && id == pane) continue;
    auto& sent = stream.sent[id];
    if (!first && sent == html) continue;
    Rows rows = rows_of(html);
    auto& sent_rows = stream.rows[id];
    if (!first && !rows.empty() && same_ids(rows, sent_rows)) {
      for (size_t i = 0; i < rows.size(); ++i) {
        if (rows[i].second == sent_rows[i].second) continue;
        out += event("fragment", json{{"id", rows[i].first}, {"html", rows[i].second}});
      }
    } else {
      out += event("fragment", json{{"id", id}, {"html", html}});
    }
    sent_rows = std::move(rows);
    sent = std::move(html);
  }
  if (!pane.empty()) {
    if (first) {
      stream.log = std::move(lines);
    } else {
      auto fresh = new_lines(stream.log, lines);
      if (!fresh.empty()) out += event("log", json{{"id", pane}, {"lines", fresh}});
      stream.log = std::move(lines);
    }
  }
  if (first || stream.zk_connected != snapshot.zk.connected ||
      stream.zk_stale_since != snapshot.zk.stale_since) {
    stream.zk_connected = snapshot.zk.connected;
    stream.zk_stale_since = snapshot.zk.stale_since;
    out += event(
        "zk", json{{"connected", snapshot.zk.connected}, {"stale_since", snapshot.zk.stale_since}});
  }
  if (!out.empty()) stream.sink->send(std::move(out));
}

void Streams::ping() {
  if (streams_.empty()) {
    pinging_ = false;
    return;
  }
  for (auto& [id, stream] : streams_) stream.sink->send(": ping\n\n");
  server_.post_after(kPing, [this] { ping(); });
}

}  // namespace ochopod::cli::ui
