#include "runtime/base/text.h"

#include <strings.h>

namespace ochopod {

std::string to_json(const nlohmann::json& j, int indent) {
  return j.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

namespace {
bool continuation(unsigned char c) { return (c & 0xC0) == 0x80; }

// Length of the sequence a lead byte announces, 0 if c cannot lead one.
size_t sequence_length(unsigned char c) {
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) return 2;
  if (c >= 0xE0 && c <= 0xEF) return 3;
  if (c >= 0xF0 && c <= 0xF4) return 4;
  return 0;
}
}  // namespace

size_t utf8_cut(std::string_view text, size_t max) {
  if (text.size() <= max) return text.size();
  if (max == 0) return 0;
  // text[max] is the first byte left out; if it continues a character, find
  // where that character starts (at most 3 bytes back).
  size_t start = max;
  while (start > 0 && max - start < 3 && continuation(static_cast<unsigned char>(text[start]))) {
    --start;
  }
  if (start == max) return max;  // already on a boundary
  const size_t length = sequence_length(static_cast<unsigned char>(text[start]));
  if (length == 0 || start + length <= max) return max;  // not a character we would split
  return start > 0 ? start : max;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && ::strncasecmp(a.data(), b.data(), a.size()) == 0;
}

std::string_view trim(std::string_view s, std::string_view spaces) {
  const size_t first = s.find_first_not_of(spaces);
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(spaces) - first + 1);
}

std::string_view chomp(std::string_view s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::string one_of(std::span<const std::string_view> words) {
  std::string out;
  size_t i = 0;
  for (const std::string_view word : words) {
    if (i > 0) out += i + 1 == words.size() ? " or " : ", ";
    out += word;
    ++i;
  }
  return out;
}

}  // namespace ochopod
