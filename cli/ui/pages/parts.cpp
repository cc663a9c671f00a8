#include "cli/ui/pages/parts.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <ctime>

#include "cli/ui/pages/text.h"

namespace ochopod::cli::ui::pages {

namespace {

using nlohmann::json;

std::optional<double> number(const json& object, const char* key) {
  if (!object.is_object()) return std::nullopt;
  auto it = object.find(key);
  if (it == object.end() || !it->is_number()) return std::nullopt;
  return it->get<double>();
}

std::string field(const json& object, const char* key) {
  if (!object.is_object()) return "";
  auto it = object.find(key);
  if (it == object.end()) return "";
  return json_text(*it);
}

std::string utc(WallTime t, const char* format) {
  std::time_t whole = static_cast<std::time_t>(std::floor(t));
  std::tm tm{};
  gmtime_r(&whole, &tm);
  char out[40];
  size_t n = std::strftime(out, sizeof out, format, &tm);
  return std::string(out, n);
}

}  // namespace

const ClusterView* find_cluster(const Snapshot& s, std::string_view name) {
  for (const auto& c : s.clusters) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

const PodView* find_pod(const ClusterView& c, int seq) {
  for (const auto& p : c.pods) {
    if (p.record.seq == seq) return &p;
  }
  return nullptr;
}

const ActionRecord* find_action(const Snapshot& s, uint64_t id) {
  for (const auto& a : s.actions) {
    if (a.id == id) return &a;
  }
  return nullptr;
}

std::string url_part(std::string_view raw) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : raw) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string cluster_href(std::string_view cluster) { return "/c/" + url_part(cluster); }

std::string pod_href(std::string_view cluster, int seq) {
  return cluster_href(cluster) + "/" + std::to_string(seq);
}

std::string logs_href(std::string_view cluster) { return cluster_href(cluster) + "/logs"; }

namespace {
// A pod's answer younger than this is "fresh" (the slow tier is 15 s).
constexpr double kFresh = 20;
}  // namespace

std::string ago_text(WallTime t, WallTime now) {
  if (t <= 0) return "never";
  double d = std::max(0.0, now - t);
  // Under a minute the server says no more: a fragment whose text changed
  // every second would be sent every second; app.js ticks the seconds.
  if (d < 60) return "under a minute ago";
  if (d < 3600) return std::to_string(static_cast<long>(d / 60)) + " min ago";
  if (d < 86400) return std::to_string(static_cast<long>(d / 3600)) + " h ago";
  return std::to_string(static_cast<long>(d / 86400)) + " d ago";
}

std::string uptime_text(double seconds) {
  // Minutes at most: a row whose text changed with every answer would be
  // sent again with every answer (and a button in it replaced under a click).
  const long s = static_cast<long>(std::max(0.0, seconds));
  if (s < 60) return "under a minute";
  if (s < 3600) return std::to_string(s / 60) + "m";
  if (s < 86400) return std::to_string(s / 3600) + "h" + std::to_string(s % 3600 / 60) + "m";
  return std::to_string(s / 86400) + "d" + std::to_string(s % 86400 / 3600) + "h";
}

std::string duration_text(double seconds) {
  long s = static_cast<long>(std::max(0.0, seconds));
  if (s < 60) return std::to_string(s) + "s";
  if (s < 3600) return std::to_string(s / 60) + "m" + std::to_string(s % 60) + "s";
  if (s < 86400) return std::to_string(s / 3600) + "h" + std::to_string(s % 3600 / 60) + "m";
  return std::to_string(s / 86400) + "d" + std::to_string(s % 86400 / 3600) + "h";
}

std::string iso_time(WallTime t) { return utc(t, "%Y-%m-%dT%H:%M:%SZ"); }

std::string clock_time(WallTime t) { return utc(t, "%H:%M:%S"); }

std::string freshness_tag(WallTime t, WallTime now) {
  if (t > 0 && now - t < kFresh) return "fresh";
  return time_tag(t, now);
}

std::string time_tag(WallTime t, WallTime now) {
  if (t <= 0) return "never";
  return "<time datetime=\"" + iso_time(t) + "\" title=\"" + utc(t, "%Y-%m-%d %H:%M:%S UTC") +
         "\" data-ago=\"" + std::to_string(static_cast<long long>(t)) + "\">" + ago_text(t, now) +
         "</time>";
}

std::string json_text(const json& value) {
  if (value.is_string()) return value.get<std::string>();
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string pretty_html(const json& value) {
  std::string text = value.dump(2, ' ', false, json::error_handler_t::replace);
  std::string out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    if (start > 0) out += '\n';
    out += html(std::string_view(text).substr(start, end - start));
    start = end + 1;
  }
  return out;
}

PodFacts pod_facts(const PodView& p) {
  PodFacts f;
  const json& data = p.info.result.data;
  // A failed call's data says nothing about the pod: no stale state.
  const json info =
      p.info.result.ok && data.is_object() && data.contains("info") ? data["info"] : json::object();
  f.answered = p.info.result.ok;
  f.state = field(info, "state");
  f.process = field(info, "process");
  f.status = field(info, "status");
  if (p.info.result.http == 410) f.process = "dead";  // a killed pod answers 410 forever
  if (!p.info.result.ok) {
    f.reason = p.info.at <= 0           ? "not asked yet"
               : !p.info.reason.empty() ? p.info.reason
                                        : p.info.result.error;
  }
  const json& md = p.metrics.result.data;
  const json metrics = md.is_object() && md.contains("metrics") ? md["metrics"] : json::object();
  f.python = !p.metrics.result.ok && p.metrics.result.http == 404;
  f.uptime = number(metrics, "ochopod_child_uptime_seconds");
  f.starts = number(metrics, "ochopod_child_starts_total");
  f.restarts = number(metrics, "ochopod_child_restarts_total");
  f.last_exit = number(metrics, "ochopod_child_last_exit_code");
  return f;
}

ClusterFacts cluster_facts(const ClusterView& c) {
  ClusterFacts f;
  f.registered = static_cast<int>(c.pods.size());
  int answered = 0;
  for (const auto& p : c.pods) {
    PodFacts pf = pod_facts(p);
    if (pf.process == "running") ++f.running;
    if (pf.answered) ++answered;
    if (!pf.answered && p.info.at > 0 && pf.process != "dead") ++f.unreachable;
    if (p.leader && f.leader == nullptr) f.leader = &p;
  }
  std::string leader_state = f.leader ? pod_facts(*f.leader).state : "";
  if (f.registered == 0 || answered == 0) {
    f.state = "pending";
  } else if (f.leader == nullptr) {
    f.state = "no leader";
  } else if (leader_state == "suspended") {
    f.state = "suspended";
  } else if (leader_state.find("configuring") != std::string::npos) {
    f.state = "configuring";
  } else if (leader_state.find("pending") != std::string::npos || c.snapshot_size < 0) {
    f.state = "pending";
  } else if (f.running < f.registered || f.unreachable > 0) {
    f.state = "degraded";
  } else {
    f.state = "OK";
  }
  return f;
}

std::string process_badge(std::string_view process) {
  std::string shape = "?", tone = "wait";
  if (process == "running") shape = "✓", tone = "ok";
  if (process == "stopped") shape = "■", tone = "off";
  if (process == "dead") shape = "✕", tone = "bad";
  if (process == "terminating") shape = "◌", tone = "wait";
  std::string text = process.empty() ? "unknown" : html(process);
  return "<span class=\"badge " + tone + "\"><span aria-hidden=\"true\">" + shape + "</span> " +
         text + "</span>";
}

std::string cluster_badge(std::string_view state) {
  std::string shape = "…", tone = "wait";
  if (state == "OK") shape = "✓", tone = "ok";
  if (state == "degraded") shape = "▲", tone = "warn";
  if (state == "configuring") shape = "↻", tone = "wait";
  if (state == "suspended") shape = "⏸", tone = "warn";
  if (state == "no leader") shape = "✕", tone = "bad";
  return "<span class=\"badge " + tone + "\"><span aria-hidden=\"true\">" + shape + "</span> " +
         html(state) + "</span>";
}

std::string state_text(std::string_view state) {
  if (state.empty()) return "unknown";
  if (state == "suspended") return "<span aria-hidden=\"true\">⏸</span> suspended";
  if (state.starts_with("leader")) return "<span aria-hidden=\"true\">★</span> " + html(state);
  return html(state);
}

std::string pod_row_id(const PodView& p) { return "pod-" + p.dom_id(); }

std::string pod_log_id(const PodView& p) { return "log-" + p.dom_id(); }

std::string summary_fragment(const Snapshot& s) {
  int pods = 0, not_running = 0, unreachable = 0;
  for (const auto& c : s.clusters) {
    for (const auto& p : c.pods) {
      ++pods;
      PodFacts f = pod_facts(p);
      if ((f.answered || f.process == "dead") && f.process != "running") ++not_running;
      if (!f.answered && p.info.at > 0 && f.process != "dead") ++unreachable;
    }
  }
  auto item = [](int n, const char* one, const char* many, bool alert) {
    return std::string("<li") + (alert && n > 0 ? " class=\"alert\"" : "") + "><strong>" +
           std::to_string(n) + "</strong> " + (n == 1 ? one : many) + "</li>";
  };
  return "<ul id=\"summary\" class=\"summary\" aria-label=\"Summary\" aria-live=\"polite\">" +
         item(static_cast<int>(s.clusters.size()), "cluster", "clusters", false) +
         item(pods, "pod", "pods", false) + item(not_running, "not running", "not running", true) +
         item(unreachable, "unreachable", "unreachable", true) + "</ul>";
}

std::string zk_fragment(const Snapshot& s) {
  std::string where =
      s.zk.address.empty() ? "" : " <span class=\"muted\">(" + html(s.zk.address) + ")</span>";
  if (s.zk.connected) {
    return "<p id=\"zk-status\" class=\"zk ok\"><span aria-hidden=\"true\">✓</span> ZooKeeper: "
           "connected" +
           where + "</p>";
  }
  std::string since = s.zk.stale_since > 0
                          ? " since " + time_tag(s.zk.stale_since, s.at) + " (" +
                                clock_time(s.zk.stale_since) + " UTC); what you see is stale"
                          : "";
  return "<p id=\"zk-status\" class=\"zk bad\"><span aria-hidden=\"true\">✕</span> ZooKeeper "
         "lost" +
         since + where + "</p>";
}

const std::string& fragment(const Fragments& f, std::string_view id) {
  for (const auto& [key, value] : f) {
    if (key == id) return value;
  }
  static const std::string kNone;
  return kNone;
}

std::string log_lines(const std::vector<std::string>& lines) {
  std::string out;
  for (std::string_view line : lines) {
    // /log lines end with "\n" (docs/protocol.md 7): the line is the element.
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
    out += "<span class=\"line\">" + html(line) + "</span>";
  }
  return out;
}

std::string log_bar(std::string_view pane_id, std::string_view json_href, std::string_view name) {
  std::string id = html(pane_id);
  return "<div class=\"logbar\" data-log=\"" + id + "\" data-name=\"" + html(name) +
         "\"><span class=\"js-only\" hidden><label for=\"" + id +
         "-filter\">Filter lines</label> <input type=\"search\" id=\"" + id +
         "-filter\" data-filter data-log-filter placeholder=\"text, or !text to hide\" "
         "autocomplete=\"off\"> <button type=\"button\" data-follow aria-pressed=\"true\">Follow"
         "</button> <button type=\"button\" data-download>Download .log</button></span>" +
         (json_href.empty() ? "" : " <a href=\"" + html(json_href) + "\">Download as JSON</a>") +
         "</div>";
}

}  // namespace ochopod::cli::ui::pages
