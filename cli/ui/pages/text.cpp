// Untrusted text made safe to show (text.h): one pass over the bytes, so a
// log line costs one allocation whatever it holds.
#include "cli/ui/pages/text.h"

#include <fnmatch.h>

#include <algorithm>
#include <cctype>
#include <cstdint>

namespace ochopod::cli::ui {

namespace {

constexpr char kReplacement[] = "\xEF\xBF\xBD";  // U+FFFD
constexpr unsigned char kEsc = 0x1B;

void append_code_point(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// The length of the valid UTF-8 sequence at raw[i] (2 to 4 bytes), or, when
// it is invalid, 0 and in *skip the bytes that make one U+FFFD: the lead and
// the continuation bytes that could still have completed it (Unicode's
// "maximal subpart"), so a truncated sequence costs one U+FFFD and the byte
// after it is read afresh. Overlong forms, surrogates and code points past
// U+10FFFF are invalid from their second byte on.
size_t utf8_sequence(std::string_view raw, size_t i, size_t* skip) {
  const auto byte = [&raw](size_t k) { return static_cast<unsigned char>(raw[k]); };
  const unsigned char lead = byte(i);
  size_t length = 0;
  unsigned char low = 0x80, high = 0xBF;  // the second byte's valid range
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;   // overlong
    if (lead == 0xED) high = 0x9F;  // surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;   // overlong
    if (lead == 0xF4) high = 0x8F;  // past U+10FFFF
  } else {
    *skip = 1;  // a lone continuation byte, C0/C1 (overlong 2-byte) or F5-FF
    return 0;
  }
  size_t k = 1;
  for (; k < length && i + k < raw.size(); ++k) {
    const unsigned char b = byte(i + k);
    const unsigned char lo = k == 1 ? low : 0x80;
    const unsigned char hi = k == 1 ? high : 0xBF;
    if (b < lo || b > hi) break;
  }
  if (k == length) return length;
  *skip = k;
  return 0;
}

// The bytes an escape sequence at raw[i] (an ESC) covers, or 0 when the ESC
// starts none (it is then shown as a control picture). A string sequence
// (OSC, DCS, SOS, PM, APC) runs to BEL or ST, a CSI to its final byte; one
// left unterminated runs to the end of its line only, so one bad line of a
// tool's output cannot hide the lines after it.
size_t escape_sequence(std::string_view raw, size_t i) {
  const size_t n = raw.size();
  if (i + 1 >= n) return 1;  // a lone ESC at the end: nothing to show
  const auto byte = [&raw](size_t k) { return static_cast<unsigned char>(raw[k]); };
  const unsigned char kind = byte(i + 1);
  if (kind == '[') {  // CSI: parameters 0x30-0x3F, intermediates 0x20-0x2F, final 0x40-0x7E
    size_t k = i + 2;
    while (k < n && byte(k) >= 0x20 && byte(k) <= 0x3F) ++k;
    if (k == n) return n - i;
    if (byte(k) >= 0x40 && byte(k) <= 0x7E) return k + 1 - i;
    return k - i;  // malformed: drop what was read, show what broke it
  }
  if (kind == ']' || kind == 'P' || kind == 'X' || kind == '^' || kind == '_') {
    for (size_t k = i + 2; k < n; ++k) {
      if (byte(k) == '\n') return k - i;
      if (byte(k) == 0x07) return k + 1 - i;
      if (byte(k) == kEsc && k + 1 < n && byte(k + 1) == '\\') return k + 2 - i;
    }
    return n - i;
  }
  // ESC [intermediates 0x20-0x2F] final 0x30-0x7E: "ESC c", "ESC ( B", "ESC 7"...
  size_t k = i + 1;
  while (k < n && byte(k) >= 0x20 && byte(k) <= 0x2F) ++k;
  if (k < n && byte(k) >= 0x30 && byte(k) <= 0x7E) return k + 1 - i;
  return 0;
}

bool is_secret_key(const std::string& key) {
  std::string lower = key;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const char* word : {"token", "password", "passwd", "secret", "credential"}) {
    if (lower.find(word) != std::string::npos) return true;
  }
  return lower.find("key") != std::string::npos && lower.find("private") != std::string::npos;
}

}  // namespace

std::string clean_text(std::string_view raw, bool keep_newlines) {
  std::string out;
  out.reserve(raw.size());
  size_t i = 0;
  while (i < raw.size()) {
    const auto c = static_cast<unsigned char>(raw[i]);
    if (c == kEsc) {
      if (const size_t length = escape_sequence(raw, i); length > 0) {
        i += length;
        continue;
      }
      append_code_point(out, 0x2400 + c);
      ++i;
    } else if (c == '\t' || (c == '\n' && keep_newlines)) {
      out += static_cast<char>(c);
      ++i;
    } else if (c < 0x20) {
      append_code_point(out, 0x2400 + c);
      ++i;
    } else if (c == 0x7F) {
      append_code_point(out, 0x2421);  // DEL has its picture too
      ++i;
    } else if (c < 0x80) {
      out += static_cast<char>(c);
      ++i;
    } else {
      size_t skip = 0;
      if (const size_t length = utf8_sequence(raw, i, &skip); length > 0) {
        out.append(raw.substr(i, length));
        i += length;
      } else {
        out += kReplacement;
        i += skip;
      }
    }
  }
  return out;
}

std::string html(std::string_view raw) {
  const std::string clean = clean_text(raw);
  std::string out;
  out.reserve(clean.size() + clean.size() / 8);
  for (const char c : clean) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

nlohmann::json mask_secrets(const nlohmann::json& value) {
  if (value.is_object()) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [key, item] : value.items()) {
      out[key] = is_secret_key(key) ? nlohmann::json("********") : mask_secrets(item);
    }
    return out;
  }
  if (value.is_array()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& item : value) out.push_back(mask_secrets(item));
    return out;
  }
  return value;
}

bool glob_match(std::string_view glob, std::string_view name) {
  // fnmatch reads C strings: a NUL inside either would silently cut it short.
  if (glob.find('\0') != std::string_view::npos || name.find('\0') != std::string_view::npos) {
    return false;
  }
  return ::fnmatch(std::string(glob).c_str(), std::string(name).c_str(), 0) == 0;
}

}  // namespace ochopod::cli::ui
