#include "runtime/zk/lock_contender.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <string_view>
#include <utility>
#include <vector>

namespace ochopod {

namespace {

constexpr std::string_view kLockMarker = "__lock__";

// Every pass either decides or steps past a contender that left meanwhile;
// past this many, leave it to the caller's retry.
constexpr int kMaxPasses = 64;

}  // namespace

int64_t lock_sequence(const std::string& name) {
  const size_t at = name.rfind(kLockMarker);
  if (at == std::string::npos) return -1;
  const auto seq = zk::sequence_suffix(std::string_view(name).substr(at + kLockMarker.size()));
  return seq ? *seq : -1;
}

LockContender::LockContender(std::string dir) : dir_(std::move(dir)) {}

void LockContender::forget(std::string prefix) {
  prefix_ = std::move(prefix);
  create_unsure_ = false;
  node_.clear();
  predecessor_.clear();
  holds_ = false;
}

bool LockContender::concerns(const ZkEvent& event) const {
  return event.path == dir_ || event.path.rfind(dir_ + "/", 0) == 0;
}

int LockContender::find_or_create(ZkSession& session) {
  std::vector<std::string> names;
  int rc = 0;
  if (create_unsure_) rc = session.children(dir_, &names, false);
  if (!zk::ok(rc)) return rc;
  for (const auto& name : names) {
    if (name.rfind(prefix_, 0) == 0) {
      node_ = name;  // the prefix is new per session, so the node is ours
      spdlog::info("found our lock node {} again", node_);
      return rc;
    }
  }
  std::string created;
  rc = session.create(dir_ + "/" + prefix_ + std::string(kLockMarker), "",
                      zk::ephemeral_sequential(), &created);
  create_unsure_ = !zk::ok(rc);
  if (!zk::ok(rc)) return rc;
  node_ = created.substr(created.rfind('/') + 1);
  spdlog::debug("contending with {}", node_);
  return rc;
}

int LockContender::leave(ZkSession& session, bool* others) {
  left_ = true;
  holds_ = false;
  *others = false;
  predecessor_.clear();
  if (!node_.empty()) {
    const int rc = session.remove(dir_ + "/" + node_);
    if (!zk::ok(rc) && !zk::no_node(rc)) return rc;
    node_.clear();
  }
  std::vector<std::string> names;
  const int rc = session.children(dir_, &names, false);
  if (!zk::ok(rc)) return rc;
  *others = std::any_of(names.begin(), names.end(),
                        [](const std::string& name) { return lock_sequence(name) >= 0; });
  return rc;
}

int LockContender::check(ZkSession& session) {
  if (left_) return 0;
  for (int pass = 0; pass < kMaxPasses; ++pass) {
    if (node_.empty()) {
      const int rc = find_or_create(session);
      if (!zk::ok(rc)) return rc;
    }
    std::vector<std::string> names;
    int rc = session.children(dir_, &names, false);
    if (!zk::ok(rc)) return rc;
    std::vector<std::pair<int64_t, std::string>> contenders;
    for (auto& name : names) {
      const int64_t seq = lock_sequence(name);
      if (seq >= 0) contenders.emplace_back(seq, std::move(name));
    }
    std::sort(contenders.begin(), contenders.end());
    const auto ours = std::find_if(contenders.begin(), contenders.end(),
                                   [&](const auto& c) { return c.second == node_; });
    if (ours == contenders.end()) {
      // Someone deleted our node: whatever we held is gone.
      spdlog::warn("our lock node {} vanished; contending again", node_);
      holds_ = false;
      node_.clear();
      predecessor_.clear();
      continue;
    }
    if (ours == contenders.begin()) {
      // Our node's stat gives the fence; the watch tells us if it goes.
      ZkStat stat;
      rc = session.get(dir_ + "/" + node_, nullptr, &stat, true);
      if (zk::no_node(rc)) continue;  // deleted meanwhile: the next pass finds it gone
      if (!zk::ok(rc)) return rc;
      holds_ = true;
      fence_ = static_cast<uint64_t>(stat.czxid);
      predecessor_.clear();
      return rc;
    }
    holds_ = false;
    const std::string& predecessor = std::prev(ours)->second;
    rc = session.get(dir_ + "/" + predecessor, nullptr, nullptr, true);
    if (zk::no_node(rc)) continue;  // gone between the two calls, and no watch left: look again
    if (!zk::ok(rc)) return rc;
    if (predecessor != predecessor_) spdlog::debug("waiting behind {}", predecessor);
    predecessor_ = predecessor;
    return rc;
  }
  spdlog::warn("the lock's contenders keep changing under us; trying again later");
  return zk::no_node_code();
}

}  // namespace ochopod
