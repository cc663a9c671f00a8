// ReactiveLeader: the leader's work under the Reactive model (docs/protocol.md 4).
//
// Lives on the coordinator loop (the Coordinator calls it when leadership
// starts, pauses, resumes or ends, and forwards watch events). Its view of
// the cluster (ClusterView) is kept from ZooKeeper watches only, never by
// polling. When the view's hash differs from the stored one it schedules a
// round after the damper; rounds and probes run on its worker (its own
// "leader" thread, started with the first of them, unless it is given one)
// and post their outcome back. It
// reads the time only through those two Schedulers, so a unit test runs it
// on a manual clock with a fake round runner
// (tests/unit/models/reactive/leader_test.cpp).
//
// Each round's requests carry the fence of the leadership it runs for (the
// one on_lead gave), so pods refuse them once a newer leader reached them
// (docs/protocol.md 7, "A fenced leader"): a 409 fails the round like any
// refusal, retried with the same backoff. A round starts only once
// ZooKeeper answers a read: a leader that wakes from a freeze past its
// session must not act before its client notices the session is gone.
//
// A leader never acts when it may not lead: once the connection is lost
// (on_pause) it says `suspended`, cancels the round in flight (requests cut
// short, no further one sent) and starts nothing until on_resume, which
// redoes an aborted round; on_lose and the destructor cancel the same way, so
// shutting down never waits on a slow or frozen peer. A round that worked but
// whose outcome could not be stored is retried as a write; a failed round is
// retried with exponential backoff. Back-to-back rounds are spaced by
// kRoundSpacingPerPod for each pod in the view, counted from the end of the
// last one, whatever the damper: a round costs every pod of the cluster
// about that much CPU, so pods arriving one after another (a scheduler's
// deploy) cost each pod a number of rounds that does not grow with the
// cluster (docs/protocol.md, "The hash and the damper"). A pod that leaves
// or withdraws drops out of the published snapshot at once, without waiting
// for the damper or a round, so dependents stop using it before it stops
// serving.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>

#include "models/reactive/round.h"
#include "ochopod/reactive.h"
#include "runtime/base/event_loop.h"
#include "runtime/base/retry_backoff.h"
#include "runtime/base/scheduler.h"
#include "runtime/pod/pod.h"
#include "runtime/zk/coordinator.h"
#include "runtime/zk/layout.h"

namespace ochopod {

class ClusterView;

class ReactiveLeader final : public LeaderWork {
 public:
  // What a round costs a pod, about, on a 2-core VM (bench/README.md): the
  // gap a round leaves, per pod, before the next may start.
  static constexpr std::chrono::milliseconds kRoundSpacingPerPod{1};

  // Where rounds and probes run, and what runs a round; empty, the real
  // ones: a "leader" thread of the leader's own, and run_round.
  struct Worker {
    Scheduler* loop = nullptr;  // outlives the leader
    std::function<RoundResult(const RoundPlan&)> run_round;
  };

  ReactiveLeader(Reactive& model, PodServices& services);
  ReactiveLeader(Reactive& model, PodServices& services, Worker worker);
  ~ReactiveLeader() override;

  void on_lead(ZkSession& session, uint64_t fence) override;
  void on_pause() override;
  void on_resume(ZkSession& session) override;
  void on_lose() override;
  void on_watch(const ZkEvent& event) override;

 private:
  using Seconds = std::chrono::duration<double>;
  // What a round (or taking the lead) has to store: the snapshot, and the
  // hash unless we only re-publish the current snapshot.
  struct Outcome {
    std::optional<std::string> hash;
    nlohmann::json configured;
  };
  struct RoundReport;

  void evaluate();
  void schedule_round(Seconds delay);
  Seconds spacing_left() const;
  void start_round();
  void finish_round(uint64_t epoch, const std::string& hash, const RoundReport& report);
  void store_outcome();
  int write_snapshot(const nlohmann::json& pods);
  void adopt_snapshot();
  void refresh_snapshot();
  nlohmann::json visible_pods(const nlohmann::json& configured) const;
  void schedule_probe();
  void tick_countdown();
  void cancel_timers();
  void cancel_round();
  void set_state(PodState state, const std::string& status);
  // Where rounds and probes run (worker_), started when first needed.
  Scheduler& worker();

  Reactive& model_;
  PodServices& services_;
  Scheduler& loop_;  // services_.coordinator_loop
  const ClusterPaths paths_;
  const std::function<RoundResult(const RoundPlan&)> run_round_;

  // Coordinator-loop state.
  ZkSession* session_ = nullptr;
  uint64_t fence_ = 0;  // this leadership's, for the rounds' requests
  uint64_t epoch_ = 0;  // bumps at every lead/lose
  bool leading_ = false;
  bool paused_ = false;
  std::unique_ptr<ClusterView> view_;
  std::string stored_hash_;
  bool round_running_ = false;
  std::shared_ptr<RoundCancel> round_cancel_;  // the running round's
  // What the pods kept of the last round: the worker's, through the plan.
  std::shared_ptr<RoundBase> round_base_;
  bool redo_round_ = false;               // one was cut short while suspended
  std::optional<Outcome> pending_write_;  // done, not stored yet
  // The pods the last round configured (or, on taking the lead, what the
  // snapshot held): the published snapshot is these, less those that left
  // or withdrew since (docs/protocol.md 7, "Leaving before stopping").
  nlohmann::json configured_ = nlohmann::json::object();
  bool configured_known_ = false;  // false: no snapshot found on taking the lead, no round yet
  std::optional<std::set<std::string>> written_;  // the uuids we last wrote there, if we did
  RetryBackoff round_backoff_;                    // reset by a round that worked
  RetryBackoff write_backoff_;
  Scheduler::TimerId round_timer_ = 0;
  Scheduler::TimerId countdown_timer_ = 0;
  Scheduler::TimerId probe_timer_ = 0;
  Scheduler::TimerId write_timer_ = 0;
  std::optional<Scheduler::Clock::time_point> round_due_;
  std::optional<Scheduler::Clock::time_point> last_round_end_;  // this leadership's

  // Outcomes posted back to the coordinator loop check it still lives.
  std::shared_ptr<const bool> alive_ = std::make_shared<const bool>(true);
  // The one given, else own_worker_ once worker() started it; set on the
  // coordinator loop before the first post to it.
  Scheduler* worker_ = nullptr;
  std::unique_ptr<EventLoop> own_worker_;  // last: joined first
};

}  // namespace ochopod
