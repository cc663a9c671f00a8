#include "ochopod/coordinator.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <random>

#include "ochopod/text.h"

namespace ochopod {

using nlohmann::json;

namespace {

constexpr char kLockMarker[] = "__lock__";

std::string random_hex(size_t n) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(n, '0');
  for (auto& c : out) c = kHex[rng() & 0xf];
  return out;
}

// The 10-digit suffix after "__lock__", or -1 if name is not a contender.
int64_t lock_sequence(const std::string& name) {
  const size_t at = name.rfind(kLockMarker);
  if (at == std::string::npos) return -1;
  const std::string digits = name.substr(at + sizeof(kLockMarker) - 1);
  if (digits.size() != 10 || !std::all_of(digits.begin(), digits.end(), ::isdigit)) return -1;
  return std::stoll(digits);
}

std::optional<int64_t> node_sequence(const std::string& name) {
  const size_t dot = name.rfind('.');
  if (dot == std::string::npos || name.size() - dot - 1 != 10) return std::nullopt;
  try {
    return std::stoll(name.substr(dot + 1));
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace

std::string make_uuid4() {
  std::string hex = random_hex(32);
  hex[12] = '4';
  hex[16] = "89ab"[std::stoi(std::string(1, hex[16]), nullptr, 16) & 3];
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20, 12);
}

Coordinator::Coordinator(EventLoop& loop, Hints& hints, Options options, LeaderWork* work)
    : loop_(loop),
      hints_(hints),
      options_(std::move(options)),
      work_(work),
      cluster_path_(options_.root + "/" + options_.cluster) {}

Coordinator::~Coordinator() = default;

void Coordinator::start() {
  loop_.post([this] { open_session(); });
}

void Coordinator::reset() {
  loop_.post([this] {
    if (!stopped_) renew_session("reset requested");
  });
}

void Coordinator::stop() {
  loop_.run_sync([this] {
    stopped_ = true;
    loop_.cancel(expiry_timer_);
    loop_.cancel(retry_timer_);
    set_leading(false);
    if (session_) {
      spdlog::info("closing the ZooKeeper session");
      session_.reset();
    }
  });
}

void Coordinator::open_session() {
  const uint64_t generation = ++generation_;
  connected_ = false;
  ever_connected_ = false;
  paths_ready_ = false;
  pod_node_.clear();
  payload_written_ = false;
  lock_node_.clear();
  watched_predecessor_.clear();
  lock_prefix_ = random_hex(32);
  std::string error;
  // The sink runs on the ZooKeeper client's thread: it only posts.
  session_ = ZkSession::open(
      options_.zk, options_.session_timeout,
      [this, generation](ZkEvent event) {
        loop_.post([this, generation, event = std::move(event)] { on_event(generation, event); });
      },
      &error);
  if (!session_) {
    spdlog::error("{}; retrying", error);
    retry_later();
    return;
  }
  // Until the first connect, the same timer bounds how long we wait.
  expiry_timer_ = loop_.post_after(options_.session_timeout * 2, [this, generation] {
    if (generation == generation_ && !connected_ && !stopped_) {
      renew_session("could not connect within twice the session timeout");
    }
  });
}

void Coordinator::renew_session(const std::string& why) {
  spdlog::warn("dropping the ZooKeeper session ({}); registering again", why);
  loop_.cancel(expiry_timer_);
  loop_.cancel(retry_timer_);
  set_leading(false);
  session_.reset();
  open_session();
}

void Coordinator::on_event(uint64_t generation, const ZkEvent& event) {
  if (generation != generation_ || stopped_) return;  // from a session we dropped
  switch (event.kind) {
    case ZkEvent::Kind::kConnected:
      on_connected();
      break;
    case ZkEvent::Kind::kSuspended:
      on_suspended();
      break;
    case ZkEvent::Kind::kExpired:
      renew_session("session expired");
      break;
    case ZkEvent::Kind::kAuthFailed:
      spdlog::error("ZooKeeper authentication failed");
      renew_session("authentication failed");
      break;
    case ZkEvent::Kind::kWatch:
      if (event.path.rfind(cluster_path_ + "/coordinator", 0) == 0) {
        reconcile();
      } else if (work_ != nullptr && leading_ && !paused_) {
        work_->on_watch(event);
      }
      break;
  }
}

void Coordinator::on_connected() {
  loop_.cancel(expiry_timer_);
  connected_ = true;
  if (!ever_connected_) {
    ever_connected_ = true;
    spdlog::info("ZooKeeper session 0x{:x} established (timeout {} ms)", session_->id(),
                 session_->negotiated_timeout().count());
  } else {
    spdlog::info("ZooKeeper connection back, session 0x{:x} kept", session_->id());
  }
  if (leading_ && paused_) {
    paused_ = false;
    if (work_ != nullptr) work_->on_resume(*session_);
  }
  reconcile();
}

void Coordinator::on_suspended() {
  if (!connected_) return;
  connected_ = false;
  const auto timeout = session_->negotiated_timeout();
  spdlog::warn("ZooKeeper connection lost; the session lasts {} ms more at most", timeout.count());
  if (leading_ && !paused_) {
    paused_ = true;
    if (work_ != nullptr) work_->on_pause();
  }
  const uint64_t generation = generation_;
  // A partitioned client never hears of its expiry: assume it after one
  // session timeout without the server.
  expiry_timer_ = loop_.post_after(timeout, [this, generation] {
    if (generation == generation_ && !connected_ && !stopped_) {
      renew_session("disconnected for longer than the session timeout");
    }
  });
}

void Coordinator::retry_later() {
  loop_.cancel(retry_timer_);
  retry_timer_ = loop_.post_after(std::chrono::seconds(1), [this] {
    if (stopped_) return;
    if (!session_) {
      open_session();
    } else {
      reconcile();
    }
  });
}

void Coordinator::reconcile() {
  if (!connected_ || stopped_) return;
  int rc = 0;
  if (!paths_ready_) {
    for (const char* leaf : {"/pods", "/hash", "/coordinator"}) {
      rc = session_->ensure_path(cluster_path_ + leaf);
      if (!zk::ok(rc)) break;
    }
    paths_ready_ = zk::ok(rc);
  }
  if (zk::ok(rc)) rc = ensure_registered();
  if (zk::ok(rc)) rc = ensure_contending();
  if (zk::ok(rc)) rc = check_lock();
  if (zk::ok(rc)) return;
  if (zk::connection_lost(rc)) {
    spdlog::debug("ZooKeeper call interrupted ({}); will retry on reconnect", zk::error(rc));
    return;  // the next kConnected reconciles again
  }
  spdlog::error("ZooKeeper error: {}; retrying in 1 s", zk::error(rc));
  retry_later();
}

int Coordinator::ensure_registered() {
  const std::string pods = cluster_path_ + "/pods";
  if (pod_node_.empty()) {
    // A create that hit a connection loss may have succeeded: look first.
    std::vector<std::string> names;
    int rc = session_->children(pods, &names, false);
    if (!zk::ok(rc)) return rc;
    for (const auto& name : names) {
      if (name.rfind(options_.uuid + ".", 0) != 0) continue;
      ZkStat stat;
      rc = session_->exists(pods + "/" + name, &stat, false);
      if (zk::ok(rc) && stat.ephemeral_owner == session_->id()) {
        pod_node_ = name;
        spdlog::debug("adopted our registration {}", name);
        break;
      }
      if (!zk::ok(rc) && !zk::no_node(rc)) return rc;
    }
    if (pod_node_.empty()) {
      std::string created;
      rc = session_->create(pods + "/" + options_.uuid + ".", "", zk::ephemeral_sequential(),
                            &created);
      if (!zk::ok(rc)) return rc;
      pod_node_ = created.substr(created.rfind('/') + 1);
    }
    if (!seq_) {
      seq_ = node_sequence(pod_node_);
      if (!seq_) {
        spdlog::error("registration node {} has no sequence suffix", pod_node_);
        seq_ = 0;
      }
    }
  }
  if (!payload_written_) {
    json payload = options_.registration;
    payload["seq"] = *seq_;
    const int rc = session_->set(pods + "/" + pod_node_, to_json(payload));
    if (!zk::ok(rc)) return rc;
    payload_written_ = true;
    hints_.set_registration(payload);
    spdlog::info("registered as {}/{} (seq {})", pods, pod_node_, *seq_);
  }
  return 0;
}

int Coordinator::ensure_contending() {
  if (!lock_node_.empty()) return 0;
  const std::string dir = cluster_path_ + "/coordinator";
  std::vector<std::string> names;
  int rc = session_->children(dir, &names, false);
  if (!zk::ok(rc)) return rc;
  for (const auto& name : names) {
    if (name.rfind(lock_prefix_, 0) == 0) {
      lock_node_ = name;  // our prefix is new per session, so the node is ours
      return 0;
    }
  }
  std::string created;
  rc = session_->create(dir + "/" + lock_prefix_ + kLockMarker, "", zk::ephemeral_sequential(),
                        &created);
  if (!zk::ok(rc)) return rc;
  lock_node_ = created.substr(created.rfind('/') + 1);
  spdlog::debug("contending with {}", lock_node_);
  return 0;
}

int Coordinator::check_lock() {
  const std::string dir = cluster_path_ + "/coordinator";
  for (;;) {
    std::vector<std::string> names;
    int rc = session_->children(dir, &names, false);
    if (!zk::ok(rc)) return rc;
    std::vector<std::pair<int64_t, std::string>> contenders;
    for (const auto& name : names) {
      const int64_t seq = lock_sequence(name);
      if (seq >= 0) contenders.emplace_back(seq, name);
    }
    std::sort(contenders.begin(), contenders.end());
    auto ours = std::find_if(contenders.begin(), contenders.end(),
                             [&](const auto& c) { return c.second == lock_node_; });
    if (ours == contenders.end()) {
      // Someone deleted our lock node: whatever we held is gone.
      spdlog::warn("our lock node {} vanished; contending again", lock_node_);
      set_leading(false);
      lock_node_.clear();
      rc = ensure_contending();
      if (!zk::ok(rc)) return rc;
      continue;
    }
    if (ours == contenders.begin()) {
      set_leading(true);
      return 0;
    }
    set_leading(false);
    const std::string predecessor = std::prev(ours)->second;
    rc = session_->exists(dir + "/" + predecessor, nullptr, true);
    if (zk::no_node(rc)) continue;  // gone between the two calls: look again
    if (!zk::ok(rc)) return rc;
    if (predecessor != watched_predecessor_) {
      spdlog::debug("waiting behind {}", predecessor);
      watched_predecessor_ = predecessor;
    }
    return 0;
  }
}

void Coordinator::set_leading(bool leading) {
  if (leading == leading_) return;
  leading_ = leading;
  paused_ = false;
  hints_.set_state(leading ? "leader" : "follower");
  spdlog::info("{} the cluster {}", leading ? "leading" : "following in", options_.cluster);
  if (work_ == nullptr) return;
  if (leading) {
    work_->on_lead(*session_);
  } else {
    work_->on_lose();
  }
}

}  // namespace ochopod
