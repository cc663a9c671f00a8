#include "runtime/zk/acl.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <tuple>

#include "runtime/crypto/digest.h"

namespace ochopod {

const char* to_string(ZkAclMode mode) {
  switch (mode) {
    case ZkAclMode::kOpen:
      return "open";
    case ZkAclMode::kRead:
      return "read";
    case ZkAclMode::kPrivate:
      return "private";
  }
  return "open";
}

std::optional<ZkAclMode> choose_zk_acl(std::string_view text, bool has_credentials,
                                       std::string* error) {
  if (text.empty()) return has_credentials ? ZkAclMode::kRead : ZkAclMode::kOpen;
  ZkAclMode mode;
  if (text == "open") {
    mode = ZkAclMode::kOpen;
  } else if (text == "read") {
    mode = ZkAclMode::kRead;
  } else if (text == "private") {
    mode = ZkAclMode::kPrivate;
  } else {
    *error = "ochopod_zk_acl must be open, read or private, got '" + std::string(text) + "'";
    return std::nullopt;
  }
  if (mode != ZkAclMode::kOpen && !has_credentials) {
    *error = "ochopod_zk_acl=" + std::string(text) +
             " needs ZooKeeper credentials (ochopod_zk=zk://user:pass@hosts)";
    return std::nullopt;
  }
  return mode;
}

std::string zk_digest_id(const std::string& user, const std::string& password) {
  const std::string credentials = user + ":" + password;
  std::string error;
  const auto digest = digest_of(DigestKind::kSha1, credentials, &error);
  if (!digest) {
    // An id nobody can match: the nodes stay closed rather than open.
    spdlog::error("zookeeper: cannot compute the digest ACL's id ({})", error);
    return user + ":";
  }
  return user + ":" + to_base64(*digest);
}

std::vector<ZkAclEntry> zk_open_acl() { return {{kZkPermAll, "world", "anyone"}}; }

std::vector<ZkAclEntry> zk_acl_for(ZkAclMode mode, const ZkAddress& address) {
  if (mode == ZkAclMode::kOpen || address.user.empty()) return zk_open_acl();
  std::vector<ZkAclEntry> acl;
  if (mode == ZkAclMode::kRead) acl.push_back({kZkPermRead, "world", "anyone"});
  acl.push_back({kZkPermAll, "digest", zk_digest_id(address.user, address.password)});
  return acl;
}

bool same_zk_acl(std::vector<ZkAclEntry> a, std::vector<ZkAclEntry> b) {
  const auto less = [](const ZkAclEntry& x, const ZkAclEntry& y) {
    return std::tie(x.scheme, x.id, x.perms) < std::tie(y.scheme, y.id, y.perms);
  };
  std::sort(a.begin(), a.end(), less);
  std::sort(b.begin(), b.end(), less);
  return a == b;
}

std::string describe_zk_acl(const std::vector<ZkAclEntry>& acl) {
  std::string out;
  for (const auto& entry : acl) {
    if (!out.empty()) out += ", ";
    std::string id = entry.id;
    if (entry.scheme == "digest") id = id.substr(0, id.find(':'));
    std::string perms;
    // ZooKeeper's letters, in zkCli's order.
    for (const auto& [bit, letter] : {std::pair{4, 'c'}, {8, 'd'}, {1, 'r'}, {2, 'w'}, {16, 'a'}})
      if ((entry.perms & bit) != 0) perms += letter;
    out += entry.scheme + ":" + id + ":" + perms;
  }
  return out.empty() ? "none" : out;
}

std::vector<ZkAclEntry> ZkAclPolicy::acl_for(const std::string& path) const {
  const bool inside = !root.empty() && !protect.empty() && path.rfind(root, 0) == 0 &&
                      (path.size() == root.size() || path[root.size()] == '/');
  return inside ? protect : zk_open_acl();
}

}  // namespace ochopod
