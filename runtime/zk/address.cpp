#include "runtime/zk/address.h"

#include <cctype>

namespace ochopod {

namespace {

bool valid_host_list(std::string_view hosts, std::string* error) {
  if (hosts.empty()) {
    *error = "no host in ZooKeeper address";
    return false;
  }
  size_t start = 0;
  while (start <= hosts.size()) {
    const size_t comma = hosts.find(',', start);
    const std::string_view item = hosts.substr(
        start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    const size_t colon = item.rfind(':');
    if (item.empty() || colon == 0 || colon == std::string_view::npos || colon + 1 == item.size()) {
      *error = "ZooKeeper host '" + std::string(item) + "' is not host:port";
      return false;
    }
    for (char c : item.substr(colon + 1)) {
      if (!std::isdigit(static_cast<unsigned char>(c))) {
        *error = "ZooKeeper host '" + std::string(item) + "' has a non-numeric port";
        return false;
      }
    }
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return true;
}

}  // namespace

std::optional<ZkAddress> parse_zk_address(std::string_view s, std::string* error) {
  ZkAddress out;
  constexpr std::string_view kScheme = "zk://";
  if (s.substr(0, kScheme.size()) == kScheme) {
    s.remove_prefix(kScheme.size());
    const size_t at = s.find('@');
    const size_t slash = s.find('/');
    if (at != std::string_view::npos && (slash == std::string_view::npos || at < slash)) {
      const std::string_view creds = s.substr(0, at);
      const size_t colon = creds.find(':');
      if (colon == std::string_view::npos || colon == 0) {
        *error = "ZooKeeper credentials must be user:password";
        return std::nullopt;
      }
      out.user = std::string(creds.substr(0, colon));
      out.password = std::string(creds.substr(colon + 1));
      s.remove_prefix(at + 1);
    }
  }
  const size_t slash = s.find('/');
  if (slash != std::string_view::npos) {
    out.chroot = std::string(s.substr(slash));
    s = s.substr(0, slash);
    while (out.chroot.size() > 1 && out.chroot.back() == '/') out.chroot.pop_back();
    if (out.chroot == "/") out.chroot.clear();
  }
  if (!valid_host_list(s, error)) return std::nullopt;
  out.hosts = std::string(s);
  return out;
}

std::string zk_address_without_credentials(std::string_view s) {
  std::string ignored;
  if (const auto address = parse_zk_address(s, &ignored)) {
    return address->user.empty() ? std::string(s) : address->display();
  }
  constexpr std::string_view kScheme = "zk://";
  if (s.substr(0, kScheme.size()) != kScheme) return std::string(s);
  const std::string_view rest = s.substr(kScheme.size());
  const size_t at = rest.find('@');
  if (at == std::string_view::npos || at > rest.find('/')) return std::string(s);
  return std::string(kScheme) + std::string(rest.substr(at + 1));
}

}  // namespace ochopod
