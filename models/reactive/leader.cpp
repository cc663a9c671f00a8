#include "models/reactive/leader.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>

#include "models/reactive/cluster_view.h"
#include "models/reactive/round.h"
#include "models/reactive/snapshot.h"
#include "runtime/base/text.h"

namespace ochopod {

using nlohmann::json;

namespace {
using Seconds = std::chrono::duration<double>;
using Millis = std::chrono::milliseconds;
// With damper 0, a round that keeps failing must not spin; nor a failing write.
constexpr Seconds kMinRetry{1.0};
constexpr Seconds kMaxRetry{60.0};
// A zero probe_every from a library user must not spin the worker.
constexpr Seconds kMinProbeEvery{0.1};

Scheduler::Clock::duration ticks(Seconds s) {
  return std::chrono::duration_cast<Scheduler::Clock::duration>(s);
}

Millis millis(Seconds s) { return std::chrono::duration_cast<Millis>(s); }
}  // namespace

struct ReactiveLeader::RoundReport {
  bool ok = false;
  bool cancelled = false;
  std::string error;
  json configured;
};

ReactiveLeader::ReactiveLeader(Reactive& model, PodServices& services)
    : ReactiveLeader(model, services, Worker{}) {}

ReactiveLeader::ReactiveLeader(Reactive& model, PodServices& services, Worker worker)
    : model_(model),
      services_(services),
      loop_(services.coordinator_loop),
      paths_(services.settings.full_name()),
      run_round_(worker.run_round ? std::move(worker.run_round) : run_round),
      view_(std::make_unique<ClusterView>(
          ClusterView::Settings{std::string(kClustersRoot), services.settings.full_name(),
                                services.settings.ns, model.depends_on})),
      round_base_(std::make_shared<RoundBase>()),
      round_backoff_(millis(std::max(Seconds(model.damper), kMinRetry)), millis(kMaxRetry)),
      write_backoff_(millis(kMinRetry), millis(kMaxRetry)) {
  worker_ = worker.loop;
}

// Every pod holds a ReactiveLeader, and most never lead: the "leader" thread
// starts with the first round or probe, so a follower never pays for it.
Scheduler& ReactiveLeader::worker() {
  if (worker_ == nullptr) {
    own_worker_ = std::make_unique<EventLoop>("leader");
    worker_ = own_worker_.get();
  }
  return *worker_;
}

// Runs on the coordinator loop. Cancelling cuts the round's requests short, so
// joining the worker waits for no peer (a probe in progress is the user's).
ReactiveLeader::~ReactiveLeader() {
  alive_.reset();
  cancel_round();
  cancel_timers();
}

void ReactiveLeader::set_state(PodState state, const std::string& status) {
  services_.hints.set_state(state);
  services_.hints.set_status(status);
}

void ReactiveLeader::cancel_timers() {
  loop_.cancel(round_timer_);
  loop_.cancel(countdown_timer_);
  loop_.cancel(probe_timer_);
  loop_.cancel(write_timer_);
  round_due_.reset();
}

void ReactiveLeader::cancel_round() {
  if (round_cancel_) round_cancel_->cancel();
}

void ReactiveLeader::on_lead(ZkSession& session, uint64_t fence) {
  session_ = &session;
  fence_ = fence;
  leading_ = true;
  paused_ = false;
  ++epoch_;
  redo_round_ = false;
  pending_write_.reset();
  last_round_end_.reset();
  round_backoff_.reset();
  write_backoff_.reset();
  const int rc = read_stored_hash(*session_, paths_, &stored_hash_);
  if (!zk::ok(rc)) spdlog::warn("leader: cannot read the stored hash: {}", zk::error(rc));
  view_->reload(*session_);
  adopt_snapshot();
  evaluate();
  schedule_probe();
}

void ReactiveLeader::on_pause() {
  paused_ = true;
  cancel_timers();
  if (round_running_) {
    spdlog::warn("leader: suspended while ZooKeeper is away; the round in flight is cut short");
    cancel_round();
  } else {
    spdlog::warn("leader: suspended while ZooKeeper is away");
  }
  set_state(PodState::kSuspended, "");
}

void ReactiveLeader::on_resume(ZkSession& session) {
  session_ = &session;
  paused_ = false;
  set_state(PodState::kLeader, "");
  std::string stored;
  const int rc = read_stored_hash(*session_, paths_, &stored);
  if (zk::ok(rc)) stored_hash_ = stored;
  view_->reload(*session_);
  if (pending_write_) {
    spdlog::info("leader: resuming; storing the last round's outcome");
    store_outcome();
  } else if (round_running_) {
    spdlog::info("leader: resuming once the cut round has returned");  // finish_round redoes it
  } else if (redo_round_) {
    spdlog::info("leader: resuming; redoing the round cut short");
    redo_round_ = false;
    start_round();
  } else {
    spdlog::info("leader: resuming");
    evaluate();
  }
  schedule_probe();
}

void ReactiveLeader::on_lose() {
  leading_ = false;
  ++epoch_;
  cancel_round();
  cancel_timers();
  session_ = nullptr;
  round_running_ = false;
  round_cancel_.reset();
  redo_round_ = false;
  pending_write_.reset();
  configured_ = json::object();
  configured_known_ = false;
  written_.reset();
  view_->clear();
  services_.metrics.pods_seen(0);
  services_.hints.set_status("");
}

void ReactiveLeader::on_watch(const ZkEvent& event) {
  if (!leading_ || paused_) return;
  if (view_->on_watch(*session_, event)) evaluate();
}

void ReactiveLeader::evaluate() {
  // Every watch event comes here: nothing in it may cost the whole view.
  if (leading_) services_.metrics.pods_seen(static_cast<int64_t>(view_->pod_count()));
  if (!leading_ || paused_) return;
  refresh_snapshot();
  if (round_running_ || pending_write_) return;
  const std::string hash = view_->snapshot_hash();
  if (hash == stored_hash_) {
    if (round_due_) {
      spdlog::info("leader: the cluster is back as configured; round cancelled");
      loop_.cancel(round_timer_);
      loop_.cancel(countdown_timer_);
      round_due_.reset();
    }
    set_state(PodState::kLeader, "");
    if (!configured_known_) {
      // No snapshot was there when we took the lead, and the view came back
      // as the stored hash says: the pods registered are what it configured.
      configured_ = view_->local();
      configured_known_ = true;
      refresh_snapshot();
    }
    return;
  }
  if (round_due_) return;  // already counting down
  schedule_round(std::max(Seconds(model_.damper), spacing_left()));
}

ReactiveLeader::Seconds ReactiveLeader::spacing_left() const {
  if (!last_round_end_) return Seconds(0);
  const auto spacing = kRoundSpacingPerPod * static_cast<int64_t>(view_->pod_count());
  return std::max(Seconds(0), Seconds(*last_round_end_ + spacing - loop_.now()));
}

void ReactiveLeader::schedule_round(Seconds delay) {
  round_due_ = loop_.now() + ticks(delay);
  round_timer_ = loop_.post_after(ticks(delay), [this] { start_round(); });
  tick_countdown();
}

void ReactiveLeader::tick_countdown() {
  loop_.cancel(countdown_timer_);
  if (!round_due_) return;
  const Seconds left = *round_due_ - loop_.now();
  set_state(PodState::kConfigurationPending,
            fmt::format("configuring in {:.0f} s", std::ceil(std::max(0.0, left.count()))));
  if (left > Seconds(1)) {
    countdown_timer_ = loop_.post_after(std::chrono::seconds(1), [this] { tick_countdown(); });
  }
}

void ReactiveLeader::start_round() {
  loop_.cancel(countdown_timer_);
  round_due_.reset();
  if (!leading_ || paused_ || round_running_ || pending_write_) return;
  const std::string hash = view_->snapshot_hash();
  if (hash == stored_hash_) {
    set_state(PodState::kLeader, "");
    return;
  }
  // A leader frozen past its session timeout (SIGSTOP, a stalled VM) wakes
  // with this timer overdue, before its ZooKeeper client has noticed that
  // the server expired the session and another pod leads; its pods that
  // the new leader has not reached yet would take its fence. So the server
  // must answer first: a session it expired gets no answer, and the
  // connection's loss pauses or ends our lead meanwhile.
  ZkStat stat;
  if (const int rc = session_->exists(paths_.hash, &stat, false); !zk::ok(rc) && !zk::no_node(rc)) {
    spdlog::warn("leader: ZooKeeper does not answer ({}); the round waits", zk::error(rc));
    schedule_round(Seconds(1));
    return;
  }
  RoundPlan plan;
  plan.pods = view_->local();
  plan.dependencies = view_->dependencies();
  plan.grace = model_.control_timeout;
  plan.full_shutdown = model_.full_shutdown;
  plan.sequential = model_.sequential;
  round_cancel_ = std::make_shared<RoundCancel>();
  plan.cancel = round_cancel_;
  plan.base = round_base_;
  plan.trust = services_.settings.security.trust();
  plan.fence = fence_;
  round_running_ = true;
  set_state(PodState::kConfiguring, "");
  spdlog::info("leader: configuring {} pod(s)", plan.pods.size());
  const uint64_t epoch = epoch_;
  worker().post([this, plan = std::move(plan), epoch, hash, alive = std::weak_ptr(alive_)] {
    const auto started = worker_->now();
    RoundResult result = run_round_(plan);
    const double ms = std::chrono::duration<double, std::milli>(worker_->now() - started).count();
    spdlog::debug("leader: round took {:.1f} ms", ms);
    services_.metrics.round_done(result.ok          ? Metrics::Round::kOk
                                 : result.cancelled ? Metrics::Round::kCancelled
                                                    : Metrics::Round::kFailed,
                                 std::chrono::duration<double, std::milli>(ms));
    RoundReport report{result.ok, result.cancelled, std::move(result.error),
                       std::move(result.configured)};
    // The coordinator loop outlives this worker, not necessarily us.
    loop_.post([this, alive, epoch, hash, report = std::move(report)] {
      if (alive.expired()) return;
      finish_round(epoch, hash, report);
    });
  });
}

void ReactiveLeader::finish_round(uint64_t epoch, const std::string& hash,
                                  const RoundReport& report) {
  if (epoch != epoch_) return;  // leadership lost meanwhile
  round_running_ = false;
  last_round_end_ = loop_.now();
  round_cancel_.reset();
  if (report.ok) {
    round_backoff_.reset();
    spdlog::info("leader: {} pod(s) configured (hash {})", report.configured.size(), hash);
    pending_write_ = Outcome{hash, report.configured};
    if (!paused_) store_outcome();  // else on_resume stores it
    return;
  }
  if (report.cancelled || paused_) {
    // Not a failure of the cluster's: redo it as soon as we may lead.
    spdlog::info("leader: the round was cut short: {}", report.error);
    if (paused_) {
      redo_round_ = true;
    } else {
      start_round();
    }
    return;
  }
  const Seconds delay = round_backoff_.next();
  spdlog::warn("leader: round failed: {}; retrying in {:.1f} s", report.error, delay.count());
  schedule_round(delay);
}

// Stores pending_write_: the snapshot, then the hash. Only the writes are
// retried: the pods are configured, and another round would restart every
// child of a strict cluster again.
void ReactiveLeader::store_outcome() {
  loop_.cancel(write_timer_);
  if (!leading_ || paused_ || !pending_write_) return;
  configured_ = pending_write_->configured;
  configured_known_ = true;
  int rc = write_snapshot(visible_pods(configured_));
  if (zk::ok(rc) && pending_write_->hash) {
    rc = session_->set(paths_.hash, *pending_write_->hash);
  }
  if (zk::ok(rc)) {
    if (pending_write_->hash) stored_hash_ = *pending_write_->hash;
    pending_write_.reset();
    write_backoff_.reset();
    set_state(PodState::kLeader, "");
    evaluate();
    schedule_probe();
    return;
  }
  const Seconds delay = write_backoff_.next();
  spdlog::warn("leader: cannot store the {}: {}; retrying the write in {:.0f} s",
               pending_write_->hash ? "round's outcome" : "snapshot", zk::error(rc), delay.count());
  write_timer_ = loop_.post_after(ticks(delay), [this] { store_outcome(); });
}

int ReactiveLeader::write_snapshot(const json& pods) {
  const std::string& path = paths_.snapshot;
  const std::string data = to_json(pods);
  ZkStat stat;
  int rc = session_->exists(path, &stat, false);
  if (zk::ok(rc) && stat.ephemeral_owner == session_->id()) {
    rc = session_->set(path, data);
  } else if (zk::ok(rc)) {
    // A previous leader's node lingers until its session ends: take it over,
    // or it would vanish under our dependents later. In one transaction, so
    // that no dependent finds the cluster empty meanwhile.
    rc = session_->replace_ephemeral(path, data);
  } else if (zk::no_node(rc)) {
    rc = session_->create(path, data, zk::ephemeral(), nullptr);
  }
  if (zk::ok(rc)) {
    written_.emplace();
    for (auto it = pods.begin(); it != pods.end(); ++it) written_->insert(it.key());
  }
  return rc;
}

// On taking the lead: what dependents see now is what the last leader
// configured, which we publish again under our session (at once: the
// previous leader's node goes with its session). Without a snapshot, we
// know nothing configured until the view matches the stored hash (evaluate)
// or a round: we publish nothing meanwhile, rather than an empty cluster.
void ReactiveLeader::adopt_snapshot() {
  configured_ = json::object();
  configured_known_ = false;
  written_.reset();
  std::string data;
  const int rc = session_->get(paths_.snapshot, &data, nullptr, false);
  bool found = false;
  if (zk::ok(rc)) {
    json snapshot = json::parse(data, nullptr, false);
    if (snapshot.is_object()) {
      found = true;
      // Others' data: keep only what can be a registration.
      for (auto& [uuid, registration] : snapshot.items()) {
        if (registration.is_object()) configured_[uuid] = std::move(registration);
      }
    }
  } else if (!zk::no_node(rc)) {
    spdlog::warn("leader: cannot read our snapshot: {}", zk::error(rc));
  }
  configured_known_ = found;
  if (view_->snapshot_hash() == stored_hash_) {
    // As configured: every registered pod was, withdrawn ones included (the
    // snapshot we found leaves those out, and they may come back).
    configured_ = view_->local();
    configured_known_ = true;
  }
}

// Dependents must stop using a pod before it stops serving: whatever the
// round and the damper are doing, a pod that left or withdrew is dropped
// from the snapshot now. Joining still waits for a round (and `on`).
void ReactiveLeader::refresh_snapshot() {
  // The write on its way filters as it goes; a view that could not list the
  // pods (a connection lost meanwhile) must not empty the snapshot.
  if (pending_write_ || !configured_known_ || !view_->listed()) return;
  if (written_) {
    // Per watch event: compare uuids, never texts of the whole cluster.
    bool same = true;
    size_t count = 0;
    for (auto it = configured_.begin(); same && it != configured_.end(); ++it) {
      if (!view_->visible(it.key())) continue;
      ++count;
      same = written_->count(it.key()) != 0;
    }
    if (same && count == written_->size()) return;
  }
  pending_write_ = Outcome{std::nullopt, configured_};
  store_outcome();
}

json ReactiveLeader::visible_pods(const json& configured) const {
  json out = json::object();
  for (auto it = configured.begin(); it != configured.end(); ++it) {
    if (view_->visible(it.key())) out[it.key()] = *it;
  }
  return out;
}

void ReactiveLeader::schedule_probe() {
  loop_.cancel(probe_timer_);
  const Seconds every = std::max(Seconds(model_.probe_every), kMinProbeEvery);
  probe_timer_ = loop_.post_after(ticks(every), [this] {
    if (!leading_ || paused_) return;
    if (round_running_ || round_due_ || pending_write_) {
      schedule_probe();
      return;
    }
    json payload{
        {"pods", view_->local()}, {"dependencies", view_->dependencies()}, {"key", services_.uuid}};
    const uint64_t epoch = epoch_;
    worker().post([this, payload = std::move(payload), epoch, alive = std::weak_ptr(alive_)] {
      std::string status;
      try {
        status = model_.probe(Cluster::from_payload(payload)).value_or("");
      } catch (const std::exception& e) {
        status = std::string("* ") + e.what();
      }
      loop_.post([this, status, epoch, alive] {
        // Suspended or no longer leading: the outcome says nothing we may show.
        if (alive.expired() || epoch != epoch_ || paused_) return;
        if (!round_running_ && !round_due_) services_.hints.set_status(status);
        schedule_probe();
      });
    });
  });
}

}  // namespace ochopod
