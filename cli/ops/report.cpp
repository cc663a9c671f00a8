#include "cli/ops/report.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

#include "cli/ops/table.h"
#include "runtime/pod/hints.h"

namespace ochopod::cli {

namespace {

using nlohmann::json;

json entry(const PodResult& r) {
  json e = {{"ok", r.ok}};
  if (r.http != 0) e["http"] = r.http;
  if (!r.ok) e["error"] = r.error;
  for (const auto& [k, v] : r.data.items()) e[k] = v;
  return e;
}

std::string dump(const json& j) {
  return j.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace

std::vector<std::string> output_keys(const std::vector<PodRecord>& pods) {
  std::map<std::string, int> count;
  for (const auto& p : pods) ++count[p.key()];
  std::vector<std::string> keys;
  for (const auto& p : pods) {
    keys.push_back(count[p.key()] > 1 ? p.key() + " (" + p.uuid.substr(0, 8) + ")" : p.key());
  }
  return keys;
}

std::string render_pods(const std::vector<PodRecord>& pods, const std::vector<PodResult>& results,
                        const PodReportStyle& style, bool as_json) {
  const auto keys = output_keys(pods);
  if (as_json) {
    json out = json::object();
    for (size_t i = 0; i < pods.size(); ++i) out[keys[i]] = entry(results[i]);
    return dump(out);
  }
  if (style.columns.empty()) {
    std::string out;
    for (size_t i = 0; i < pods.size(); ++i) {
      const auto& r = results[i];
      std::string title = keys[i];
      if (!r.ok && !r.error.empty()) {
        title += "  " + r.error;
      } else if (style.title_shows_code && r.data.contains("code")) {
        title += "  code " + r.data["code"].dump();
      }
      out += render_block(title, r.lines);
    }
    return out;
  }
  size_t columns = style.columns.size();
  if (style.last_column_optional) {
    const bool filled = std::any_of(results.begin(), results.end(), [columns](const auto& r) {
      return r.ok && r.cells.size() >= columns && !r.cells[columns - 1].empty();
    });
    if (!filled) --columns;
  }
  std::vector<std::string> headers = {"POD"};
  headers.insert(headers.end(), style.columns.begin(), style.columns.begin() + columns);
  Table table(std::move(headers));
  for (size_t i = 0; i < pods.size(); ++i) {
    if (!results[i].ok) {
      table.add_spanning(keys[i], results[i].error);
      continue;
    }
    const auto& cells = results[i].cells;
    std::vector<std::string> row = {keys[i]};
    row.insert(row.end(), cells.begin(), cells.begin() + std::min(columns, cells.size()));
    table.add(std::move(row));
  }
  return table.render();
}

std::string render_clusters(const std::vector<std::string>& clusters,
                            const std::vector<PodRecord>& pods,
                            const std::vector<PodResult>& results, bool as_json) {
  struct Summary {
    int total = 0, running = 0, silent = 0, failed = 0;
    std::string status;
  };
  std::map<std::string, Summary> summaries;
  for (const auto& c : clusters) summaries[c];
  for (size_t i = 0; i < pods.size(); ++i) {
    Summary& s = summaries[pods[i].cluster];
    ++s.total;
    const auto& r = results[i];
    if (!r.ok) {
      ++(r.http == 0 ? s.silent : s.failed);
      continue;
    }
    const json& info = r.data["info"];
    const json process = info.value("process", json());
    if (process.is_string() &&
        parse_process_state(process.get<std::string>()) == ProcessState::kRunning) {
      ++s.running;
    }
    const json state = info.value("state", json());
    if (state.is_string() && state.get<std::string>().rfind("leader", 0) == 0) {
      const json status = info.value("status", json());
      s.status = status.is_string() ? status.get<std::string>() : status.dump();
    }
  }
  if (as_json) {
    json out = json::object();
    for (const auto& [name, s] : summaries) {
      out[name] = {{"total", s.total}, {"running", s.running}, {"status", s.status}};
    }
    return dump(out);
  }
  Table table({"CLUSTER", "RUNNING", "STATUS"});
  for (const auto& [name, s] : summaries) {
    std::string running = std::to_string(s.running) + "/" + std::to_string(s.total);
    if (s.silent > 0) running += " (" + std::to_string(s.silent) + " no answer)";
    if (s.failed > 0) running += " (" + std::to_string(s.failed) + " failed)";
    table.add({name, running, s.status.empty() ? "-" : s.status});
  }
  return table.render();
}

}  // namespace ochopod::cli
