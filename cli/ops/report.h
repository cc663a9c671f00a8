// Turns the operator subcommands' results into what they print: per-pod
// results as a table, as blocks (multi-line answers) or as one JSON object
// keyed by "<namespace>.<cluster> #<seq>"; and `ls`'s per-cluster summary.
// Called by ops_commands.cpp once every pod has answered or timed out.
#pragma once

#include <string>
#include <vector>

#include "cli/ops/actions.h"
#include "cli/ops/zk.h"

namespace ochopod::cli {

struct PodReportStyle {
  std::vector<std::string> columns;   // table headers after POD; empty: block output
  bool title_shows_code = false;      // block output: "code <data.code>" after an ok pod's name
  bool last_column_optional = false;  // table: the last column is left out when no pod fills it
};

// The pods' names for output: key(), with the uuid's first 8 characters added
// when two pods of a cluster claim the same seq.
std::vector<std::string> output_keys(const std::vector<PodRecord>& pods);

// -j: {"<key>": {"ok": bool, "http": n (when called), "error": "..." (when not
// ok), <data fields>}}. Otherwise the table or blocks. Ends with a newline.
std::string render_pods(const std::vector<PodRecord>& pods, const std::vector<PodResult>& results,
                        const PodReportStyle& style, bool json);

// `ls`: results are info_action's, one per pod. -j (ochothon's shape):
// {"<cluster>": {"total": n, "running": n, "status": "..."}}. Otherwise a table
// CLUSTER, RUNNING ("r/t", plus how many did not answer), STATUS.
std::string render_clusters(const std::vector<std::string>& clusters,
                            const std::vector<PodRecord>& pods,
                            const std::vector<PodResult>& results, bool json);

}  // namespace ochopod::cli
