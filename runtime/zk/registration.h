// Registration: this pod's node under <cluster>/pods (docs/protocol.md 1-2).
//
// Create-then-set: the node <uuid>.<suffix> is created empty, EPHEMERAL and
// SEQUENTIAL, then given the payload, whose seq is the suffix of the pod's
// first registration, for life. Protected the way Curator's PersistentNode
// is: a create that hit a connection loss may have succeeded, so before
// creating again we look for a node with our uuid and adopt it only if our
// session owns it. Only then: on a session that created nothing unseen, the
// listing (the whole cluster's names, for every pod that boots) would find
// nothing. Watched: if the node vanishes while the session lives (an operator
// or a script deleted it), or someone overwrites its payload, ensure() puts
// it back, same uuid, same seq. Used by the Coordinator on its loop; every
// call is a synchronous ZooKeeper call on the session given. The first
// create of a session may be the Coordinator's to send (pending_create()),
// in the transaction that makes a new cluster's nodes.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "runtime/zk/session.h"

namespace ochopod {

class Registration {
 public:
  // payload is the registration without seq.
  Registration(std::string pods_path, std::string uuid, nlohmann::json payload);

  // A new session: the old node died (or will die) with the old one.
  void forget();
  // Makes sure our node exists, is ours, carries the payload and is watched.
  // Returns the ZooKeeper result code (ok when all holds); *written tells
  // whether this call wrote the payload.
  int ensure(ZkSession& session, bool* written);
  // The create ensure() would begin with, for a caller that sends it in a
  // transaction of its own (the coordinator, with a new cluster's nodes);
  // nullopt when ensure() would not create, or would look for an unseen
  // node of ours first. Its outcome goes to created().
  std::optional<ZkCreate> pending_create() const;
  // The outcome of pending_create(), as the session returned it.
  int created(int rc, const ZkCreate& create);
  // Whether a watch event is about our node.
  bool concerns(const ZkEvent& event) const;
  // Our node's watch fired: what it says is checked at the next ensure().
  void on_watch(const ZkEvent& event);
  // The pod is stopping: deletes our node while the session lives, so the
  // cluster sees us go before we stop serving; ensure() only finishes that
  // after (no session yet, or a failed delete). session may be null.
  int leave(ZkSession* session);

  const std::string& node() const { return node_; }  // name under pods, "" if none
  std::optional<int64_t> seq() const { return seq_; }
  nlohmann::json payload() const;  // with seq, once known
  bool settled() const { return !node_.empty() && written_ && watched_; }
  // Our node's czxid, once ensure() has read it back (0 before).
  int64_t czxid() const { return czxid_; }

 private:
  int find_or_create(ZkSession& session);
  ZkCreate new_node() const;  // <uuid>.<suffix>, ephemeral and sequential
  void adopt(std::string name);

  const std::string pods_path_;
  const std::string uuid_;
  const nlohmann::json base_payload_;
  std::optional<int64_t> seq_;  // from the first registration, for life
  std::string node_;
  bool written_ = false;
  bool watched_ = false;
  bool left_ = false;
  bool create_unsure_ = false;  // a create of this session failed: it may have landed
  int64_t czxid_ = 0;
};

// The integer after the last '.' of a pod node's name, if it is 10 digits.
std::optional<int64_t> registration_sequence(const std::string& name);

}  // namespace ochopod
