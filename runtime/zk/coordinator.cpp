#include "runtime/zk/coordinator.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <optional>

#include "runtime/base/ids.h"
#include "runtime/pod/log.h"

namespace ochopod {

namespace {

using namespace std::chrono_literals;

// A new session that has not connected by then is given up and opened again.
constexpr int kConnectDeadlineTimeouts = 2;
// How long a suspended session is kept on our clock, in session timeouts
// (ConnectionState::set_patience). A leader: one, so that it has stopped
// before another pod can lead. A follower: longer, so that a server that is
// only slow (a thousand pods booting against it) keeps the session rather
// than getting a new one, a new registration and a round more from each
// impatient pod; the server still expires a session it no longer hears,
// and says so when the client is back.
constexpr int kLeaderPatience = 1;
constexpr int kFollowerPatience = 3;
// Re-opening after an authentication failure (or a client that refused to
// start): 1 s, doubling, capped at a minute.
constexpr auto kReopenInitial = 1s;
constexpr auto kReopenCap = 60s;
// Other ZooKeeper errors (a node that keeps moving...).
constexpr auto kRetryDelay = 1s;
// Refused by an ACL: someone has to give us credentials or open the nodes;
// retry, but without a log line every second.
constexpr auto kRefusedInitial = 1s;
constexpr auto kRefusedCap = 10s;

}  // namespace

Coordinator::Coordinator(Scheduler& loop, Hints& hints, Options options, LeaderWork* work)
    : loop_(loop),
      hints_(hints),
      options_(std::move(options)),
      work_(work),
      paths_(options_.cluster, options_.root),
      connection_(loop, [this](ConnectionState::Change change,
                               const std::string& why) { on_connection(change, why); }),
      registration_(paths_.pods, options_.uuid, options_.registration),
      lock_(paths_.lock),
      reopen_backoff_(kReopenInitial, kReopenCap),
      refused_backoff_(kRefusedInitial, kRefusedCap),
      acl_policy_{paths_.cluster, options_.acl == ZkAclMode::kOpen
                                      ? std::vector<ZkAclEntry>{}
                                      : zk_acl_for(options_.acl, options_.zk)} {
  connection_.set_patience(kFollowerPatience);
}

Coordinator::~Coordinator() = default;

void Coordinator::connect() {
  loop_.post([this] {
    if (generation_ == 0) open_session();
  });
}

void Coordinator::start() {
  loop_.post([this] {
    started_ = true;
    if (generation_ == 0) {
      open_session();
    } else {
      reconcile();  // now if connected; else when the connection comes
    }
  });
}

void Coordinator::renew() {
  loop_.post([this] {
    if (!stopped_) renew_session("renewal requested (POST /reset)");
  });
}

void Coordinator::stop() {
  loop_.run_sync([this] {
    stopped_ = true;
    loop_.cancel(retry_timer_);
    loop_.cancel(reopen_timer_);
    set_leading(false);
    release_waiters(false);
    if (session_) spdlog::info("closing the ZooKeeper session");
    close_session();
  });
}

void Coordinator::withdraw(std::chrono::milliseconds limit, Out out) {
  loop_.post([this, limit, out = std::move(out)]() mutable {
    if (stopped_) return out(false);
    if (!withdrawn_) spdlog::info("withdrawing from the cluster's snapshot (still registered)");
    withdrawn_ = true;
    reconcile();  // writes withdrawn/<uuid> when connected
    wait_snapshot([this](const auto& data, int64_t) { return !listed_in(data); }, limit,
                  std::move(out));
  });
}

void Coordinator::rejoin() {
  loop_.post([this] {
    if (!withdrawn_ || stopped_) return;
    withdrawn_ = false;
    spdlog::info("back in the cluster's snapshot");
    reconcile();  // removes withdrawn/<uuid>, again at every reconnection until it is gone
  });
}

bool Coordinator::leave(std::chrono::steady_clock::time_point deadline) {
  auto listed = [this](const std::optional<std::string>& data, int64_t) {
    return !listed_in(data);
  };
  return wait_from_outside(listed, deadline, [this] {
    hints_.set_registered(false);
    if (!session_) {
      registration_.leave(nullptr);  // and no later session registers us again
      return false;
    }
    spdlog::info("leaving the cluster: deleting our registration");
    const int rc = registration_.leave(session_.get());
    if (!zk::ok(rc)) spdlog::warn("cannot delete our registration: {}", zk::error(rc));
    return true;
  });
}

bool Coordinator::hand_off(std::chrono::steady_clock::time_point deadline) {
  return wait_from_outside(
      [this](const auto& data, int64_t owner) { return !data || owner != session_->id(); },
      deadline,
      [this] {
        if (!session_ || !leading_) return false;
        bool others = false;
        const int rc = lock_.leave(*session_, &others);
        set_leading(false);
        if (!zk::ok(rc)) {
          spdlog::warn("cannot give the lock up: {}", zk::error(rc));
          return false;
        }
        if (!others) return false;
        spdlog::info("handing the lead over before closing the session");
        return true;
      });
}

bool Coordinator::wait_from_outside(SnapshotTest test,
                                    std::chrono::steady_clock::time_point deadline,
                                    std::function<bool()> first) {
  struct Shared {
    std::mutex mu;
    std::condition_variable cv;
    std::optional<bool> out;
  };
  auto shared = std::make_shared<Shared>();
  const auto limit = std::max(deadline - std::chrono::steady_clock::now(),
                              std::chrono::steady_clock::duration::zero());
  loop_.run_sync([&] {
    if (stopped_ || !first()) {
      shared->out = false;
      return;
    }
    wait_snapshot(std::move(test), limit, [shared](bool out) {
      std::lock_guard<std::mutex> lock(shared->mu);
      shared->out = out;
      shared->cv.notify_all();
    });
  });
  std::unique_lock<std::mutex> lock(shared->mu);
  // The loop's timer answers at the deadline; a loop that stopped never does.
  shared->cv.wait_until(lock, deadline + std::chrono::milliseconds(100),
                        [&] { return shared->out.has_value(); });
  return shared->out.value_or(false);
}

void Coordinator::hurry() {
  loop_.post([this] {
    hurried_ = true;
    release_waiters(false);
  });
}

void Coordinator::wait_snapshot(SnapshotTest test, std::chrono::steady_clock::duration limit,
                                Out out) {
  if (hurried_) return out(false);  // a second SIGTERM came: no more waiting
  const uint64_t id = ++next_waiter_;
  const auto timer = loop_.post_after(limit, [this, id] {
    const auto it = std::find_if(waiters_.begin(), waiters_.end(),
                                 [id](const Waiter& w) { return w.id == id; });
    if (it == waiters_.end()) return;
    Out done = std::move(it->out);
    waiters_.erase(it);
    spdlog::warn("the cluster's snapshot did not change as awaited in time; going on");
    done(false);
  });
  waiters_.push_back(Waiter{id, std::move(test), std::move(out), timer});
  check_snapshot();
}

void Coordinator::release_waiters(bool out) {
  auto waiters = std::move(waiters_);
  waiters_.clear();
  for (auto& waiter : waiters) {
    loop_.cancel(waiter.timer);
    waiter.out(out);
  }
}

bool Coordinator::listed_in(const std::optional<std::string>& snapshot) const {
  if (!snapshot) return false;
  const auto map = nlohmann::json::parse(*snapshot, nullptr, false);
  return map.is_object() && map.contains(options_.uuid);
}

// Reads the snapshot with a watch (an exists() watch while it is missing:
// that one fires at its creation) and answers the waiters it satisfies.
void Coordinator::check_snapshot() {
  if (waiters_.empty() || !session_ || !connection_.connected()) return;
  std::optional<std::string> data;
  ZkStat stat;
  for (int attempt = 0; attempt < 3; ++attempt) {
    std::string text;
    int rc = session_->get(paths_.snapshot, &text, &stat, true);
    if (zk::ok(rc)) {
      data = std::move(text);
      break;
    }
    if (!zk::no_node(rc)) {
      spdlog::info("cannot read the cluster's snapshot ({}); again on the next event",
                   zk::error(rc));
      return;
    }
    rc = session_->exists(paths_.snapshot, &stat, true);
    if (zk::no_node(rc)) break;
    if (!zk::ok(rc)) return;
  }
  const int64_t owner = data ? stat.ephemeral_owner : 0;
  for (auto it = waiters_.begin(); it != waiters_.end();) {
    if (!it->test(data, owner)) {
      ++it;
      continue;
    }
    loop_.cancel(it->timer);
    Out done = std::move(it->out);
    it = waiters_.erase(it);
    done(true);
  }
}

int Coordinator::ensure_withdrawn() {
  if (withdrawn_ == withdrawn_node_) return 0;
  const std::string path = paths_.withdrawn_pod(options_.uuid);
  if (!withdrawn_) {
    const int rc = session_->remove(path);
    if (!zk::ok(rc) && !zk::no_node(rc)) return rc;
    withdrawn_node_ = false;
    return 0;
  }
  int rc = session_->ensure_path(paths_.withdrawn);
  if (!zk::ok(rc)) return rc;
  rc = session_->create(path, "", zk::ephemeral(), nullptr);
  if (zk::node_exists(rc)) {
    // Left by a session of ours that is not over yet: make it this one's.
    rc = session_->replace_ephemeral(path, "");
  }
  if (zk::ok(rc)) withdrawn_node_ = true;
  return rc;
}

void Coordinator::open_session() {
  if (stopped_) return;
  const uint64_t generation = ++generation_;
  paths_ready_ = false;
  withdrawn_node_ = false;
  registration_.forget();
  std::string prefix = make_uuid4();
  prefix.erase(std::remove(prefix.begin(), prefix.end(), '-'), prefix.end());
  lock_.forget(std::move(prefix));
  // The sink runs on the ZooKeeper client's thread: it only posts.
  ZkSession::Sink sink = [this, generation](ZkEvent event) {
    loop_.post([this, generation, event = std::move(event)] { on_event(generation, event); });
  };
  std::string error;
  if (options_.open_session) {
    session_ = options_.open_session(options_.session_timeout, std::move(sink), &error);
  } else {
    session_ = ZkSession::open(options_.zk, options_.session_timeout, std::move(sink), &error);
  }
  if (!session_) {
    reopen_later(error);
    return;
  }
  session_->protect(acl_policy_);
  zk_metric(Metrics::Zk::kConnecting);
  connection_.opened(options_.session_timeout * kConnectDeadlineTimeouts);
}

void Coordinator::close_session() {
  connection_.closed();
  loop_.cancel(retry_timer_);
  session_.reset();
}

void Coordinator::renew_session(const std::string& why) {
  spdlog::warn("dropping the ZooKeeper session ({}); registering again", why);
  loop_.cancel(reopen_timer_);
  set_leading(false);
  close_session();
  open_session();
}

void Coordinator::reopen_later(const std::string& why) {
  const auto delay = reopen_backoff_.next();
  spdlog::error("{}; opening a new ZooKeeper session in {} ms", why, delay.count());
  set_leading(false);
  close_session();
  loop_.cancel(reopen_timer_);
  reopen_timer_ = loop_.post_after(delay, [this] {
    reopen_timer_ = 0;
    if (!stopped_ && !session_) open_session();
  });
}

void Coordinator::on_event(uint64_t generation, const ZkEvent& event) {
  if (generation != generation_ || stopped_ || !session_) return;  // from a session we dropped
  if (event.kind != ZkEvent::Kind::kWatch) {
    connection_.on_event(event.kind, session_->negotiated_timeout());
    return;
  }
  if (event.path == paths_.snapshot) check_snapshot();
  if (registration_.concerns(event)) {
    registration_.on_watch(event);
    reconcile();
  } else if (lock_.concerns(event)) {
    reconcile();
  } else if (work_ != nullptr && leading_ && !paused_) {
    work_->on_watch(event);
  }
}

void Coordinator::zk_metric(Metrics::Zk state) {
  if (options_.metrics != nullptr) options_.metrics->zk_state(state);
}

void Coordinator::on_connection(ConnectionState::Change change, const std::string& why) {
  using Change = ConnectionState::Change;
  if (options_.metrics != nullptr) {
    if (change == Change::kReconnected) options_.metrics->zk_reconnected();
    if (change == Change::kLost) options_.metrics->zk_expired();
  }
  zk_metric(change == Change::kSuspended                               ? Metrics::Zk::kSuspended
            : change == Change::kLost || change == Change::kAuthFailed ? Metrics::Zk::kLost
                                                                       : Metrics::Zk::kConnected);
  switch (change) {
    case Change::kConnected:
      spdlog::info("ZooKeeper session 0x{:x} established (timeout {} ms)", session_->id(),
                   session_->negotiated_timeout().count());
      reconcile();
      return;
    case Change::kReconnected:
      spdlog::info("ZooKeeper connection back, session 0x{:x} kept", session_->id());
      if (leading_ && paused_) {
        paused_ = false;
        if (work_ != nullptr) work_->on_resume(*session_);
      }
      reconcile();
      return;
    case Change::kSuspended:
      spdlog::warn("ZooKeeper connection lost; the session lasts {} ms more at most",
                   session_->negotiated_timeout().count());
      if (leading_ && !paused_) {
        paused_ = true;
        if (work_ != nullptr) work_->on_pause();
      }
      return;
    case Change::kLost:
      renew_session(why);
      return;
    case Change::kAuthFailed:
      // The credentials will not get better by themselves: do not hammer the
      // server with them.
      reopen_later("ZooKeeper authentication failed");
      return;
  }
}

void Coordinator::retry_later() {
  loop_.cancel(retry_timer_);
  retry_timer_ = loop_.post_after(kRetryDelay, [this] {
    retry_timer_ = 0;
    if (!stopped_) reconcile();
  });
}

int Coordinator::ensure_paths() {
  if (paths_ready_) return 0;
  std::vector<std::string> created;
  // Our registration rides along: the first pod of a new cluster makes its
  // nodes and registers in one write.
  auto registering = registration_.pending_create();
  int rc = session_->ensure_paths({paths_.pods, paths_.hash, paths_.lock}, &created,
                                  registering ? &*registering : nullptr);
  if (registering) rc = registration_.created(rc, *registering);
  if (!zk::ok(rc)) return rc;
  // A cluster node we just created has the ACL our policy gives it.
  if (std::find(created.begin(), created.end(), paths_.cluster) != created.end()) {
    acl_checked_ = true;
  }
  check_acl();
  paths_ready_ = true;
  return 0;
}

void Coordinator::check_acl() {
  if (acl_checked_) return;
  std::vector<ZkAclEntry> found;
  const int rc = session_->get_acl(paths_.cluster, &found);
  if (!zk::ok(rc)) {
    // Not worth failing the registration for: the next session asks again.
    spdlog::warn("reading the ACL of {} failed: {}", paths_.cluster, zk::error(rc));
    return;
  }
  acl_checked_ = true;
  const auto wanted = acl_policy_.acl_for(paths_.cluster);
  if (same_zk_acl(found, wanted)) return;
  spdlog::warn(
      "{} exists with the ACL [{}], not the [{}] that ochopod_zk_acl={} asks for; using it as it "
      "is",
      paths_.cluster, describe_zk_acl(found), describe_zk_acl(wanted), to_string(options_.acl));
}

void Coordinator::refused_later() {
  const auto delay = refused_backoff_.next();
  spdlog::error(
      "ZooKeeper refused to create or change the nodes under {} (not authenticated): this "
      "cluster's nodes are protected by an ACL, give its credentials as zk://user:pass@{}; "
      "retrying in {} ms",
      paths_.cluster, options_.zk.display(), delay.count());
  loop_.cancel(retry_timer_);
  retry_timer_ = loop_.post_after(delay, [this] {
    retry_timer_ = 0;
    if (!stopped_) reconcile();
  });
}

void Coordinator::reconcile() {
  if (stopped_ || !started_ || !session_ || !connection_.connected()) return;
  int rc = ensure_paths();
  if (zk::ok(rc)) {
    bool written = false;
    rc = registration_.ensure(*session_, &written);
    if (written) {
      const auto payload = registration_.payload();
      hints_.set_registration(payload);
      // Log lines name the pod by its seq from now on (--log-format json).
      if (const auto seq = payload.find("seq"); seq != payload.end() && seq->is_number_integer()) {
        log::set_seq(seq->get<int64_t>());
      }
    }
  }
  // Once registered, ready as far as ZooKeeper goes until we leave: an
  // outage must not turn every pod of a service unready at once.
  if (zk::ok(rc) && !registration_.node().empty()) hints_.set_registered(true);
  if (const int64_t czxid = registration_.czxid(); czxid > 0 && czxid != registered_czxid_) {
    registered_czxid_ = czxid;
    if (options_.on_registered) options_.on_registered(static_cast<uint64_t>(czxid));
  }
  if (zk::ok(rc)) rc = ensure_withdrawn();
  if (zk::ok(rc)) rc = lock_.check(*session_);
  if (!lock_.holds()) {
    set_leading(false);
  } else if (zk::ok(rc)) {
    set_leading(true);
  }
  if (zk::ok(rc)) {
    reopen_backoff_.reset();  // registered and contending: this session works
    refused_backoff_.reset();
    check_snapshot();
    return;
  }
  if (zk::not_authorized(rc)) {
    refused_later();
    return;
  }
  if (zk::connection_lost(rc)) {
    spdlog::info("ZooKeeper call interrupted ({}); will retry on reconnect", zk::error(rc));
    return;  // the next kConnected / kReconnected reconciles again
  }
  spdlog::warn("ZooKeeper error: {}; retrying in {} s", zk::error(rc),
               std::chrono::duration_cast<std::chrono::seconds>(kRetryDelay).count());
  retry_later();
}

void Coordinator::set_leading(bool leading) {
  const uint64_t fence = leading ? lock_.fence() : 0;
  if (leading == leading_ && fence == fence_) return;
  if (leading && leading_) {
    // Our node went and its successor is first again: the requests of the
    // leadership that ended carry a lower fence than those to come.
    spdlog::info("leading the cluster {} again, with a new lock node (fence {})", options_.cluster,
                 fence);
    fence_ = fence;
    paused_ = false;
    if (work_ == nullptr) return;
    work_->on_lose();
    work_->on_lead(*session_, fence);
    return;
  }
  leading_ = leading;
  fence_ = fence;
  paused_ = false;
  connection_.set_patience(leading ? kLeaderPatience : kFollowerPatience);
  hints_.set_state(leading ? PodState::kLeader : PodState::kFollower);
  if (leading) {
    spdlog::info("leading the cluster {} (fence {})", options_.cluster, fence);
  } else {
    spdlog::info("following in the cluster {}", options_.cluster);
  }
  if (work_ == nullptr) return;
  if (leading) {
    work_->on_lead(*session_, fence);
  } else {
    work_->on_lose();
  }
}

}  // namespace ochopod
