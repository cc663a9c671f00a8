// Numbers written by others (environment values, URLs, ZooKeeper node names,
// command-line options), parsed in one place and one way: the whole text or
// nothing, no sign unless the type is signed, no white space, no overflow.
// Pure functions, any thread.
#pragma once

#include <cctype>
#include <charconv>
#include <cmath>
#include <optional>
#include <string_view>
#include <type_traits>

namespace ochopod {

// An integer of type T, the whole text in base 10 (or 16).
template <typename T>
std::optional<T> parse_integer(std::string_view text, int base = 10) {
  static_assert(std::is_integral_v<T>);
  T value{};
  const char* end = text.data() + text.size();
  if (text.empty() || text.front() == '+') return std::nullopt;
  const auto [at, ec] = std::from_chars(text.data(), end, value, base);
  if (ec != std::errc{} || at != end) return std::nullopt;
  return value;
}

// A TCP port, 1 to 65535.
inline std::optional<int> parse_port(std::string_view text) {
  const auto port = parse_integer<int>(text);
  if (!port || *port < 1 || *port > 65535) return std::nullopt;
  return port;
}

// A finite decimal number ("2", "0.5", "1e3"), the whole text.
inline std::optional<double> parse_decimal(std::string_view text) {
  double value = 0;
  const char* end = text.data() + text.size();
  if (text.empty() || text.front() == '+') return std::nullopt;
  const auto [at, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc{} || at != end || !std::isfinite(value)) return std::nullopt;
  return value;
}

// A finite number in strtod()'s syntax, the whole text: leading white space,
// one sign, decimal or 0x hexadecimal. Only for the inputs that have always
// taken it (the control path's timeout, the operator's -t): narrowing them
// would refuse what callers send today.
inline std::optional<double> parse_c_decimal(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())))
    text.remove_prefix(1);
  const bool negative = !text.empty() && text.front() == '-';
  if (!text.empty() && (text.front() == '+' || text.front() == '-')) text.remove_prefix(1);
  auto format = std::chars_format::general;
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    format = std::chars_format::hex;
    text.remove_prefix(2);
  }
  if (text.empty() || text.front() == '+' || text.front() == '-') return std::nullopt;
  double value = 0;
  const char* end = text.data() + text.size();
  const auto [at, ec] = std::from_chars(text.data(), end, value, format);
  if (ec != std::errc{} || at != end || !std::isfinite(value)) return std::nullopt;
  return negative ? -value : value;
}

}  // namespace ochopod
