// count_established() and established_connections(): the /proc/net/tcp parser.
#include "models/checks/tcp_connections.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include "runtime/base/numbers.h"

namespace ochopod {

namespace {

constexpr std::string_view kEstablished = "01";

std::vector<std::string_view> fields(std::string_view line) {
  std::vector<std::string_view> out;
  size_t at = 0;
  while (at < line.size()) {
    const size_t start = line.find_first_not_of(" \t", at);
    if (start == line.npos) break;
    size_t end = line.find_first_of(" \t", start);
    if (end == line.npos) end = line.size();
    out.push_back(line.substr(start, end - start));
    at = end;
  }
  return out;
}

std::optional<std::string> read_file(const char* path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

int count_established(std::string_view text, int port) {
  int n = 0;
  while (!text.empty()) {
    const size_t eol = text.find('\n');
    const std::string_view line = text.substr(0, eol);
    text = eol == text.npos ? std::string_view{} : text.substr(eol + 1);
    // "sl local_address rem_address st ...": local is <hex address>:<hex port>.
    const auto f = fields(line);
    if (f.size() < 4 || f[3] != kEstablished) continue;
    const size_t colon = f[1].rfind(':');
    if (colon == std::string_view::npos) continue;
    const auto local = parse_integer<int>(f[1].substr(colon + 1), 16);
    if (local && *local == port) ++n;
  }
  return n;
}

std::optional<int> established_connections(int port, std::string* error) {
  const auto v4 = read_file("/proc/net/tcp");
  if (!v4) {
    if (error) *error = std::string("cannot read /proc/net/tcp: ") + std::strerror(errno);
    return std::nullopt;
  }
  int n = count_established(*v4, port);
  if (const auto v6 = read_file("/proc/net/tcp6")) n += count_established(*v6, port);
  return n;
}

}  // namespace ochopod
