// The log panes' arithmetic: what a pod's /log ring gained since the last
// look, and a cluster's pods' logs merged into one by time.
//
// The /log ring slides (old lines fall out as new ones come in), so a pane
// cannot count lines: it finds where the last answer's tail meets the new
// answer's head. The stream code (HTTP threads) calls new_lines() between two
// snapshots; the logs page calls merge_logs(). Pure functions, any thread.
#pragma once

#include <string>
#include <vector>

#include "cli/ui/model.h"

namespace ochopod::cli::ui {

// The lines of next after the longest overlap of previous's tail with next's
// head: all of next when they share nothing, none when next is previous (or
// is previous's tail).
std::vector<std::string> new_lines(const std::vector<std::string>& previous,
                                   const std::vector<std::string>& next);

// Every pod's `log` merged by the leading timestamp ("2026-01-01
// 12:00:00.000 ..."), each line prefixed "#<seq> ". A pod's own lines keep
// their order; a line without a timestamp stays right after the line before
// it. Ties go to the pod listed first.
std::vector<std::string> merge_logs(const ClusterView& cluster);

// The "YYYY-MM-DD HH:MM:SS.mmm" a line starts with, or "" if none.
std::string leading_timestamp(const std::string& line);

}  // namespace ochopod::cli::ui
