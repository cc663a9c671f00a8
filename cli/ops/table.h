// Plain-text rendering for the operator subcommands' default (non -j) output:
// aligned columns under a header, and indented blocks for multi-line answers
// (log, exec). ops_report.cpp fills them; nothing here knows about pods.
#pragma once

#include <string>
#include <vector>

namespace ochopod::cli {

class Table {
 public:
  explicit Table(std::vector<std::string> headers);
  // Missing cells are blank; extra cells are an error of the caller (dropped).
  void add(std::vector<std::string> row);
  // A row whose second cell runs on, unaligned, over the other columns (a
  // pod's error): it does not widen them.
  void add_spanning(std::string first, std::string rest);
  bool empty() const { return rows_.empty(); }
  // Header then rows, columns separated by two spaces, no trailing blanks.
  std::string render() const;

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
  std::vector<bool> spanning_;
};

// "<title>\n" then every line indented by two spaces.
std::string render_block(const std::string& title, const std::vector<std::string>& lines);

}  // namespace ochopod::cli
