#include "cli/ops/actions.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <optional>

#include "models/reactive/snapshot.h"
#include "runtime/http/client.h"

namespace ochopod::cli {

namespace {

using nlohmann::json;

std::chrono::milliseconds millis(Seconds s) {
  return std::chrono::milliseconds(static_cast<int64_t>(std::ceil(s * 1000)));
}

// What a /control or /exec status means (docs/protocol.md 5).
std::string status_words(int status, const std::string& path) {
  switch (status) {
    case 400:
      return "bad request";
    case 404:
      return path == "/exec" ? "no such tool" : "not found";
    case 406:
      return "refused";
    case 408:
      return "not done in time";
    case 410:
      return "dead";
    case 401:
      return "no valid token: give the cluster's with --token-file or $OCHOPOD_TOKEN";
    case 413:
      return "body too large";
    case 500:
      return "failed";
    default:
      return "";
  }
}

std::string compact(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string text(const json& j) {
  if (j.is_string()) return j.get<std::string>();
  return j.is_null() ? "" : compact(j);
}

// Posts to the pod's control port. Returns the JSON body of a 200 answer;
// otherwise nullopt, with result.error saying why.
std::optional<json> ask(const PodRecord& pod, HttpRequest request, const Reach& reach,
                        PodResult& result) {
  const std::string url = control_url(pod.payload);
  if (url.empty()) {
    result.error = "control port not in its registration";
    return std::nullopt;
  }
  request.trust = reach.trust;
  const HttpAnswer answer = http_send(url, request);
  result.http = answer.status;
  if (answer.status == 0) {
    result.error = "no answer (" + answer.error + ")";
    return std::nullopt;
  }
  if (answer.status != 200) {
    const std::string words = status_words(answer.status, request.path);
    result.error =
        "HTTP " + std::to_string(answer.status) + (words.empty() ? "" : " (" + words + ")");
    return std::nullopt;
  }
  json body = answer.json();
  if (body.is_discarded()) {
    result.error = "HTTP 200 with a body that is not JSON";
    return std::nullopt;
  }
  return body;
}

std::optional<json> ask_info(const PodRecord& pod, const Reach& reach, PodResult& result) {
  HttpRequest request;
  request.path = "/info";
  request.timeout = millis(reach.timeout);
  auto info = ask(pod, request, reach, result);
  if (info && !info->is_object()) {
    result.error = "/info is not a JSON object";
    return std::nullopt;
  }
  return info;
}

std::string address(const std::string& host, std::optional<int> port) {
  return port ? host + ":" + std::to_string(*port) : "";
}

}  // namespace

PodResult info_action(const PodRecord& pod, const Reach& reach) {
  PodResult result;
  const auto info = ask_info(pod, reach, result);
  if (!info) return result;
  result.ok = true;
  result.data["info"] = *info;
  result.cells = {text(info->value("state", json())), text(info->value("process", json())),
                  text(info->value("status", json())),
                  address(pod.string_field("ip"), pod.control_port()), jobs_cell(*info)};
  return result;
}

std::string jobs_cell(const json& info) {
  const auto jobs = info.find("jobs");
  if (jobs == info.end() || !jobs->is_object()) return "";
  std::string cell;
  for (const auto& [name, job] : jobs->items()) {
    std::string state = "?";
    std::string restarts;
    if (job.is_object()) {
      if (const json s = job.value("state", json()); !s.is_null()) state = text(s);
      if (const json r = job.value("restarts", json()); !r.is_null()) restarts = text(r);
    }
    cell += (cell.empty() ? "" : " ") + name + ":" + state;
    if (!restarts.empty()) cell += "(" + restarts + ")";
  }
  return cell;
}

PodResult poll_action(const PodRecord& pod, const Reach& reach) {
  PodResult result;
  const auto info = ask_info(pod, reach, result);
  if (!info) return result;
  result.ok = true;
  const json metrics = info->value("metrics", json::object());
  result.data["metrics"] = metrics;
  result.cells = {compact(metrics)};
  return result;
}

PodResult log_action(const PodRecord& pod, const Reach& reach, size_t last) {
  PodResult result;
  HttpRequest request;
  request.path = "/log";
  request.timeout = millis(reach.timeout);
  const auto log = ask(pod, request, reach, result);
  if (!log) return result;
  if (!log->is_array()) {
    result.error = "/log is not a JSON array";
    return result;
  }
  const size_t skip = last == 0 || log->size() <= last ? 0 : log->size() - last;
  json lines = json::array();
  for (size_t i = skip; i < log->size(); ++i) {
    lines.push_back((*log)[i]);
    // Entries end with '\n' (ours and Python pods'); the table adds its own.
    std::string line = text((*log)[i]);
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
    result.lines.push_back(std::move(line));
  }
  result.ok = true;
  result.data["log"] = std::move(lines);
  return result;
}

PodResult control_action(const PodRecord& pod, const Reach& reach, const std::string& task,
                         const std::string& body) {
  PodResult result;
  const int seconds = std::max(1, static_cast<int>(std::ceil(reach.timeout)));
  HttpRequest request;
  request.path = "/control/" + task + "/" + std::to_string(seconds);
  request.body = body;
  request.timeout = millis(seconds * 1.25);
  const auto reply = ask(pod, request, reach, result);
  if (!reply) return result;
  result.ok = true;
  result.data["reply"] = *reply;
  result.cells = {"done", compact(*reply)};
  return result;
}

PodResult restart_action(const PodRecord& pod, const Reach& reach) {
  PodResult off = control_action(pod, reach, "off");
  if (!off.ok) {
    off.error = "off: " + off.error;
    return off;
  }
  return control_action(pod, reach, "on");
}

PodResult exec_action(const PodRecord& pod, const Reach& reach, const std::string& shell,
                      const std::vector<std::pair<std::string, std::string>>& files) {
  PodResult result;
  HttpRequest request;
  request.path = "/exec";
  // The pod cuts the tool at -t and answers 124 with what it wrote; we wait
  // a little longer for that answer, since hanging up kills the tool bare.
  request.headers = {{"X-Shell", shell}, {"X-Timeout", fmt::format("{}", reach.timeout)}};
  request.files = files;
  request.timeout = millis(reach.timeout * 1.25 + 1);
  const auto reply = ask(pod, request, reach, result);
  if (!reply) return result;
  if (!reply->is_object() || !reply->value("code", json()).is_number_integer()) {
    result.error = "/exec answer without a code";
    return result;
  }
  const int code = (*reply)["code"].get<int>();
  const json stdout_lines = reply->value("stdout", json::array());
  result.data["code"] = code;
  result.data["stdout"] = stdout_lines;
  if (stdout_lines.is_array()) {
    for (const auto& line : stdout_lines) result.lines.push_back(text(line));
  }
  result.ok = code == 0;
  if (!result.ok) result.error = "code " + std::to_string(code);
  return result;
}

PodResult grep_action(const PodRecord& pod) {
  PodResult result;
  const std::string ip = pod.string_field("ip");
  const auto port = pod.control_port();
  result.data = {{"ip", ip},
                 {"public", pod.string_field("public")},
                 {"node", pod.string_field("node")},
                 {"port", port ? json(*port) : json()},
                 {"address", port ? json(address(ip, port)) : json()},
                 {"ports", pod.payload.value("ports", json::object())}};
  std::string ports;
  if (pod.payload.value("ports", json()).is_object()) {
    for (const auto& [inner, outer] : pod.payload["ports"].items()) {
      ports += (ports.empty() ? "" : " ") + inner + "->" + text(outer);
    }
  }
  result.ok = !ip.empty() && port.has_value();
  if (!result.ok) result.error = "control port not in its registration";
  result.cells = {address(ip, port), pod.string_field("public"), pod.string_field("node"), ports};
  return result;
}

PodResult port_action(const PodRecord& pod, int container_port) {
  PodResult result;
  const auto outer = pod.remapped(container_port);
  if (!outer) {
    result.error = "does not expose " + std::to_string(container_port);
    return result;
  }
  const std::string ip = pod.string_field("ip");
  std::string reachable = pod.string_field("public");
  if (reachable.empty()) reachable = ip;
  result.ok = true;
  result.data = {{"ip", ip},
                 {"public", pod.string_field("public")},
                 {"port", *outer},
                 {"address", address(reachable, outer)}};
  result.cells = {address(reachable, outer), address(ip, outer)};
  return result;
}

}  // namespace ochopod::cli
