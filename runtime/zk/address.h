// ZkAddress: a ZooKeeper connection string as users write it.
//
// Accepts `host:port,host:port[/chroot]` and the URL form
// `zk://[user:pass@]h1:p1,h2:p2[/chroot]` (docs/protocol.md 6). Parsed once at
// boot by the pod; the session passes hosts+chroot to the C client and the
// credentials to zoo_add_auth.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ochopod {

struct ZkAddress {
  std::string hosts;   // "h1:p1,h2:p2"
  std::string chroot;  // "" or "/something"
  std::string user;    // digest credentials, empty if none
  std::string password;

  std::string connect_string() const { return hosts + chroot; }
  // Without credentials: what goes into the registration's "zk".
  std::string display() const { return hosts + chroot; }
};

// Parses s; on failure returns nullopt and sets *error to one readable line.
// The error never quotes the credentials.
std::optional<ZkAddress> parse_zk_address(std::string_view s, std::string* error);

// s without its credentials, for whatever leaves the pod (the child's
// ochopod_zk): an address with credentials becomes its display(); one that
// does not parse loses any `user:pass@` after `zk://`; others are unchanged.
std::string zk_address_without_credentials(std::string_view s);

}  // namespace ochopod
