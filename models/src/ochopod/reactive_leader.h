// ReactiveLeader: the leader's work under the Reactive model (PROTOCOL.md 4).
//
// Lives on the coordinator loop (the Coordinator calls it when leadership
// starts, pauses, resumes or ends, and forwards watch events). It keeps the
// snapshot map from ZooKeeper watches only, never by polling: children and
// data of our pods/, each dependency's snapshot, and the root for globs. When
// the map's hash differs from the stored one it schedules a round after the
// damper; rounds and probes run on its own "leader" worker thread and post
// their outcome back. Leadership lost mid-round aborts the round.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>

#include "ochopod/coordinator.h"
#include "ochopod/event_loop.h"
#include "ochopod/pod.h"
#include "ochopod/reactive.h"

namespace ochopod {

class ReactiveLeader final : public LeaderWork {
 public:
  ReactiveLeader(Reactive& model, PodServices& services);
  ~ReactiveLeader() override;

  void on_lead(ZkSession& session) override;
  void on_pause() override;
  void on_resume(ZkSession& session) override;
  void on_lose() override;
  void on_watch(const ZkEvent& event) override;

 private:
  nlohmann::json snapshot_map() const;
  void refresh_all();
  void refresh_pod_list();
  void refresh_pod(const std::string& name);
  void refresh_dependencies();
  void evaluate();
  void schedule_round(std::chrono::duration<double> delay);
  void start_round();
  void finish_round(uint64_t epoch, const std::string& hash, bool ok, const std::string& error,
                    const nlohmann::json& configured);
  int write_snapshot(const nlohmann::json& pods);
  void schedule_probe();
  void tick_countdown();
  void set_state(const std::string& state, const std::string& status);

  Reactive& model_;
  PodServices& services_;
  const std::string cluster_path_;
  const std::string root_;

  // Coordinator-loop state.
  ZkSession* session_ = nullptr;
  uint64_t epoch_ = 0;  // bumps at every lead/lose
  bool leading_ = false;
  bool paused_ = false;
  std::map<std::string, nlohmann::json> pod_nodes_;  // node name -> payload (valid only)
  std::set<std::string> known_nodes_;                // every child, valid or not
  nlohmann::json dependencies_ = nlohmann::json::object();
  std::string stored_hash_;
  bool round_running_ = false;
  EventLoop::TimerId round_timer_ = 0;
  EventLoop::TimerId countdown_timer_ = 0;
  EventLoop::TimerId probe_timer_ = 0;
  std::optional<EventLoop::Clock::time_point> round_due_;

  std::shared_ptr<std::atomic<bool>> abort_ = std::make_shared<std::atomic<bool>>(false);
  EventLoop worker_{"leader"};  // last: joined first
};

}  // namespace ochopod
