#include "cli/ops/table.h"

#include <algorithm>

namespace ochopod::cli {

namespace {

// Display width: UTF-8 continuation bytes take no column.
size_t width(const std::string& s) {
  return static_cast<size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

// Keeps a cell on its line.
std::string one_line(std::string s) {
  std::replace_if(
      s.begin(), s.end(), [](char c) { return c == '\n' || c == '\r' || c == '\t'; }, ' ');
  return s;
}

}  // namespace

Table::Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}

void Table::add(std::vector<std::string> row) {
  row.resize(headers_.size());
  for (auto& cell : row) cell = one_line(std::move(cell));
  rows_.push_back(std::move(row));
  spanning_.push_back(false);
}

void Table::add_spanning(std::string first, std::string rest) {
  add({std::move(first), std::move(rest)});
  spanning_.back() = headers_.size() > 2;
}

std::string Table::render() const {
  std::vector<size_t> widths(headers_.size(), 0);
  auto measure = [&](const std::vector<std::string>& row, size_t columns) {
    for (size_t c = 0; c < columns; ++c) widths[c] = std::max(widths[c], width(row[c]));
  };
  measure(headers_, headers_.size());
  for (size_t r = 0; r < rows_.size(); ++r) measure(rows_[r], spanning_[r] ? 1 : headers_.size());
  std::string out;
  auto line = [&](const std::vector<std::string>& row, size_t columns) {
    std::string text;
    for (size_t c = 0; c < columns; ++c) {
      text += row[c];
      if (c + 1 < columns) text += std::string(widths[c] - width(row[c]) + 2, ' ');
    }
    while (!text.empty() && text.back() == ' ') text.pop_back();
    out += text + "\n";
  };
  line(headers_, headers_.size());
  for (size_t r = 0; r < rows_.size(); ++r) line(rows_[r], spanning_[r] ? 2 : headers_.size());
  return out;
}

std::string render_block(const std::string& title, const std::vector<std::string>& lines) {
  std::string out = title + "\n";
  for (const auto& l : lines) out += "  " + l + "\n";
  return out;
}

}  // namespace ochopod::cli
