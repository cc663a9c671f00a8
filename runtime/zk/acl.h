// ZooKeeper ACLs of a cluster's nodes (docs/protocol.md, Security).
//
// A pod with credentials (zk://user:pass@...) protects the nodes it creates
// from ROOT/<namespace>.<cluster> down: `read` gives world:read plus
// digest(user):all (readers such as other clusters' leaders and `ochopod ls`
// still read, nobody else writes), `private` digest(user):all only, `open`
// world:all. The shared ancestors (/ochopod, /ochopod/clusters) are always
// created open so other clusters can create their homes beside ours.
// The binding picks the mode (ochopod_zk_acl); the coordinator hands the
// session a ZkAclPolicy, which the session applies to every create. Pure
// functions and values, any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/zk/address.h"

namespace ochopod {

enum class ZkAclMode { kOpen, kRead, kPrivate };

// "open", "read", "private".
const char* to_string(ZkAclMode mode);

// The mode a pod uses: `text` as given (ochopod_zk_acl / --zk-acl), or, when
// empty, `read` with credentials and `open` without. nullopt and a one-line
// *error for an unknown word, or `read`/`private` without credentials.
std::optional<ZkAclMode> choose_zk_acl(std::string_view text, bool has_credentials,
                                       std::string* error);

// One entry of a node's ACL; perms are ZooKeeper's bits (read 1, write 2,
// create 4, delete 8, admin 16).
struct ZkAclEntry {
  int perms = 0;
  std::string scheme;  // "world", "digest"
  std::string id;      // "anyone", "user:base64(sha1(user:password))"
  bool operator==(const ZkAclEntry&) const = default;
};

inline constexpr int kZkPermRead = 1;
inline constexpr int kZkPermAll = 31;

// ZooKeeper's digest identity: "user:" + base64(sha1("user:password")).
std::string zk_digest_id(const std::string& user, const std::string& password);

// world:anyone:all.
std::vector<ZkAclEntry> zk_open_acl();

// The ACL `mode` asks for, for the credentials in `address` (open if none).
std::vector<ZkAclEntry> zk_acl_for(ZkAclMode mode, const ZkAddress& address);

// Same entries, whatever their order.
bool same_zk_acl(std::vector<ZkAclEntry> a, std::vector<ZkAclEntry> b);

// For log lines: "world:anyone:r, digest:bob:cdrwa". Digest ids show their
// user only: the hash stands for the password.
std::string describe_zk_acl(const std::vector<ZkAclEntry>& acl);

// Which ACL the session gives a node it creates: `protect` at `root` and
// below, open elsewhere. The default protects nothing.
struct ZkAclPolicy {
  std::string root;  // "/ochopod/clusters/<namespace>.<cluster>"; "" protects nothing
  std::vector<ZkAclEntry> protect;

  // The ACL a new node at `path` gets.
  std::vector<ZkAclEntry> acl_for(const std::string& path) const;
};

}  // namespace ochopod
