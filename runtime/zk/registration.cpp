#include "runtime/zk/registration.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <utility>
#include <vector>

#include "runtime/base/text.h"

namespace ochopod {

namespace {
// Each round of ensure() either settles or fixes one thing someone else
// broke meanwhile; past this many, leave it to the caller's retry.
constexpr int kMaxRounds = 8;
}  // namespace

std::optional<int64_t> registration_sequence(const std::string& name) {
  const size_t dot = name.rfind('.');
  if (dot == std::string::npos) return std::nullopt;
  return zk::sequence_suffix(std::string_view(name).substr(dot + 1));
}

Registration::Registration(std::string pods_path, std::string uuid, nlohmann::json payload)
    : pods_path_(std::move(pods_path)), uuid_(std::move(uuid)), base_payload_(std::move(payload)) {}

void Registration::forget() {
  node_.clear();
  create_unsure_ = false;
  written_ = false;
  watched_ = false;
  czxid_ = 0;
}

nlohmann::json Registration::payload() const {
  nlohmann::json out = base_payload_;
  if (seq_) out["seq"] = *seq_;
  return out;
}

bool Registration::concerns(const ZkEvent& event) const {
  return !node_.empty() && event.path == pods_path_ + "/" + node_;
}

void Registration::on_watch(const ZkEvent& event) {
  if (!concerns(event)) return;
  watched_ = false;  // one-shot: whatever it said, it is spent
  if (zk::is_deleted_event(event.type)) {
    spdlog::warn("our registration {} vanished; registering again", node_);
    forget();
  }
}

int Registration::find_or_create(ZkSession& session) {
  // A create that hit a connection loss may have succeeded: look first.
  std::vector<std::string> names;
  int rc = 0;
  if (create_unsure_) rc = session.children(pods_path_, &names, false);
  if (!zk::ok(rc)) return rc;
  for (const auto& name : names) {
    if (name.rfind(uuid_ + ".", 0) != 0) continue;
    ZkStat stat;
    rc = session.exists(pods_path_ + "/" + name, &stat, false);
    if (zk::no_node(rc)) continue;
    if (!zk::ok(rc)) return rc;
    if (stat.ephemeral_owner == session.id()) {
      spdlog::info("adopted our registration {}", name);
      adopt(name);
      return rc;
    }
  }
  ZkCreate create = new_node();
  return created(session.create_node(&create), create);
}

ZkCreate Registration::new_node() const {
  return {pods_path_ + "/" + uuid_ + ".", zk::ephemeral_sequential(), {}};
}

std::optional<ZkCreate> Registration::pending_create() const {
  if (left_ || !node_.empty() || create_unsure_) return std::nullopt;
  return new_node();
}

int Registration::created(int rc, const ZkCreate& create) {
  create_unsure_ = !zk::ok(rc);
  if (zk::ok(rc)) adopt(create.created.substr(create.created.rfind('/') + 1));
  return rc;
}

void Registration::adopt(std::string name) {
  node_ = std::move(name);
  written_ = false;
  watched_ = false;
  if (!seq_) {
    seq_ = registration_sequence(node_);
    if (!seq_) {
      spdlog::error("registration node {} has no sequence suffix; using seq 0", node_);
      seq_ = 0;
    }
  }
}

int Registration::leave(ZkSession* session) {
  left_ = true;
  if (node_.empty() || session == nullptr) return 0;
  const int rc = session->remove(pods_path_ + "/" + node_);
  if (!zk::ok(rc) && !zk::no_node(rc)) return rc;  // ensure() tries again
  node_.clear();
  return 0;
}

int Registration::ensure(ZkSession& session, bool* written) {
  *written = false;
  int rc = 0;
  if (left_) return leave(&session);
  for (int round = 0; round < kMaxRounds; ++round) {
    if (node_.empty()) {
      rc = find_or_create(session);
      if (!zk::ok(rc)) return rc;
    }
    const std::string path = pods_path_ + "/" + node_;
    const std::string data = to_json(payload());
    if (!written_) {
      rc = session.set(path, data);
      if (zk::no_node(rc)) {
        forget();
        continue;
      }
      if (!zk::ok(rc)) return rc;
      written_ = true;
      *written = true;
      spdlog::info("registered as {} (seq {})", path, *seq_);
    }
    if (!watched_) {
      // get, not exists: a data watch is set only on a node that exists, so
      // a node gone meanwhile leaves no watch behind.
      std::string stored;
      ZkStat stat;
      rc = session.get(path, &stored, &stat, true);
      if (zk::no_node(rc)) {
        spdlog::warn("our registration {} vanished; registering again", node_);
        forget();
        continue;
      }
      if (!zk::ok(rc)) return rc;
      if (stat.ephemeral_owner != session.id()) {
        spdlog::warn("{} is not our session's any more; registering again", path);
        forget();  // its watch fires once whoever holds it lets go, and is ignored
        continue;
      }
      watched_ = true;
      czxid_ = stat.czxid;
      if (stored != data) {
        spdlog::warn("our registration {} was overwritten; writing it again", node_);
        written_ = false;
        continue;
      }
    }
    return rc;
  }
  spdlog::warn("our registration keeps changing under us; trying again later");
  return zk::no_node_code();
}

}  // namespace ochopod
