// One-shot ZooKeeper operations through kazoo (/usr/bin/python3), the client
// the original Python ochopod used: an independent reader/writer for checking
// what our pods put in ZooKeeper, and for arranging state behind their backs.
// Every call runs a fresh short-lived KazooClient (~0.2 s).
//
// Return values carry ZooKeeper's answer (no node, node exists...). A call
// that could not ask at all (no connection within ~10 s, python failed,
// timeout) throws KazooError, so "the node is gone" is never faked by an
// outage. In a wait_until predicate that must ride out an outage, wrap it in
// ignoring_errors() (wait.h).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace ochopod::test {

class KazooError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ZNode {
  std::string data;             // raw bytes, possibly empty
  bool null_data = false;       // kazoo read None (NULL data), not b''
  int64_t ephemeral_owner = 0;  // session id owning an ephemeral node, 0 if persistent
  int version = 0;              // data version
  int64_t czxid = 0;            // the zxid of its creation (a lock node's: its leader's fence)
};

// Child names (unsorted, as ZooKeeper lists them); nullopt if path does not exist.
std::optional<std::vector<std::string>> kazoo_children(const std::string& zk,
                                                       const std::string& path);

// Data and stat; nullopt if path does not exist.
std::optional<ZNode> kazoo_get(const std::string& zk, const std::string& path);

// Sets data, creating the node and its parents if missing. False if
// ZooKeeper refused (e.g. bad path).
bool kazoo_set(const std::string& zk, const std::string& path, const std::string& data);

// Creates the node (parents made as needed). False if it already exists or
// ZooKeeper refused. An ephemeral node dies with this call's session, i.e.
// before the call returns: for one that stays, use KazooEphemeralHolder
// (kazoo_holder.h).
bool kazoo_create(const std::string& zk, const std::string& path, const std::string& data,
                  bool ephemeral = false);

// Deletes the node (with its subtree if recursive). False if it did not exist
// or ZooKeeper refused (e.g. it has children and recursive is false).
bool kazoo_delete(const std::string& zk, const std::string& path, bool recursive = false);

// Creates an empty persistent node (open parents made as needed) that only
// the digest identity "user:pass" may read, write, create under or delete:
// a private tree for testing credentials in zk:// addresses. False if it
// exists or ZooKeeper refused.
bool kazoo_create_private(const std::string& zk, const std::string& path,
                          const std::string& credentials);

// Authenticated as "user:pass", opens the node's ACL to everyone. False if
// ZooKeeper refused (no node, not authorized).
bool kazoo_open_acl(const std::string& zk, const std::string& path, const std::string& credentials);

// How long each call waits to connect before throwing (default 10 s); lower
// it in tests that expect an outage.
void set_kazoo_connect_timeout(std::chrono::milliseconds timeout);

// Hex encoding used to pass bytes to and from the scripts.
std::string to_hex(const std::string& bytes);
std::string from_hex(const std::string& hex);

}  // namespace ochopod::test
