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

}  // namespace ochopod
