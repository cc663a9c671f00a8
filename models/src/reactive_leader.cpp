#include "ochopod/reactive_leader.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cmath>

#include "ochopod/round.h"
#include "ochopod/snapshot.h"
#include "ochopod/text.h"

namespace ochopod {

using nlohmann::json;
using Seconds = std::chrono::duration<double>;

namespace {
// With damper 0, a round that keeps failing must not spin.
constexpr Seconds kMinRetry{1.0};
}  // namespace

ReactiveLeader::ReactiveLeader(Reactive& model, PodServices& services)
    : model_(model),
      services_(services),
      cluster_path_("/ochopod/clusters/" + services.settings.full_name()),
      root_("/ochopod/clusters") {}

ReactiveLeader::~ReactiveLeader() { abort_->store(true); }

void ReactiveLeader::set_state(const std::string& state, const std::string& status) {
  services_.hints.set_state(state);
  services_.hints.set_status(status);
}

void ReactiveLeader::on_lead(ZkSession& session) {
  session_ = &session;
  leading_ = true;
  paused_ = false;
  ++epoch_;
  abort_ = std::make_shared<std::atomic<bool>>(false);
  std::string stored;
  const int rc = session_->get(cluster_path_ + "/hash", &stored, nullptr, false);
  if (!zk::ok(rc)) spdlog::warn("leader: cannot read the stored hash: {}", zk::error(rc));
  stored_hash_ = stored;
  refresh_all();
  // Dependents must not see an empty snapshot after a handoff.
  if (snapshot_hash(snapshot_map()) == stored_hash_) {
    const int wrc = write_snapshot(snapshot_map()["local"]);
    if (!zk::ok(wrc)) spdlog::warn("leader: cannot write the snapshot: {}", zk::error(wrc));
  }
  evaluate();
  schedule_probe();
}

void ReactiveLeader::on_pause() {
  paused_ = true;
  services_.coordinator.cancel(round_timer_);
  services_.coordinator.cancel(countdown_timer_);
  services_.coordinator.cancel(probe_timer_);
  round_due_.reset();
  spdlog::info("leader: paused while ZooKeeper is away");
}

void ReactiveLeader::on_resume(ZkSession& session) {
  session_ = &session;
  paused_ = false;
  spdlog::info("leader: resuming");
  refresh_all();
  evaluate();
  schedule_probe();
}

void ReactiveLeader::on_lose() {
  leading_ = false;
  ++epoch_;
  abort_->store(true);
  session_ = nullptr;
  round_running_ = false;
  round_due_.reset();
  services_.coordinator.cancel(round_timer_);
  services_.coordinator.cancel(countdown_timer_);
  services_.coordinator.cancel(probe_timer_);
  pod_nodes_.clear();
  known_nodes_.clear();
  dependencies_ = json::object();
  services_.hints.set_status("");
}

void ReactiveLeader::on_watch(const ZkEvent& event) {
  if (!leading_ || paused_) return;
  const std::string pods = cluster_path_ + "/pods";
  if (event.path == pods) {
    refresh_pod_list();
  } else if (event.path.rfind(pods + "/", 0) == 0) {
    refresh_pod(event.path.substr(pods.size() + 1));
  } else if (!model_.depends_on.empty()) {
    refresh_dependencies();
  }
  evaluate();
}

json ReactiveLeader::snapshot_map() const {
  json local = json::object();
  // Node names sort by uuid then sequence: a newer registration of the same
  // pod overwrites an older one still waiting for its session to expire.
  for (const auto& [name, payload] : pod_nodes_) local[name.substr(0, name.find('.'))] = payload;
  json map = dependencies_;
  map["local"] = std::move(local);
  return map;
}

void ReactiveLeader::refresh_all() {
  pod_nodes_.clear();
  known_nodes_.clear();
  refresh_pod_list();
  refresh_dependencies();
}

void ReactiveLeader::refresh_pod_list() {
  std::vector<std::string> names;
  const int rc = session_->children(cluster_path_ + "/pods", &names, true);
  if (!zk::ok(rc)) {
    spdlog::warn("leader: cannot list pods: {}", zk::error(rc));
    return;
  }
  const std::set<std::string> now(names.begin(), names.end());
  for (auto it = known_nodes_.begin(); it != known_nodes_.end();) {
    if (now.count(*it)) {
      ++it;
    } else {
      pod_nodes_.erase(*it);
      it = known_nodes_.erase(it);
    }
  }
  for (const auto& name : names) {
    if (!known_nodes_.count(name)) refresh_pod(name);
  }
}

void ReactiveLeader::refresh_pod(const std::string& name) {
  std::string data;
  const int rc = session_->get(cluster_path_ + "/pods/" + name, &data, nullptr, true);
  if (zk::no_node(rc)) {
    known_nodes_.erase(name);
    pod_nodes_.erase(name);
    return;
  }
  if (!zk::ok(rc)) {
    spdlog::warn("leader: cannot read pod {}: {}", name, zk::error(rc));
    return;
  }
  known_nodes_.insert(name);
  // Registration is create-then-set: empty or foreign garbage is skipped, and
  // the data watch picks the payload up once it is set.
  json payload = json::parse(data, nullptr, false);
  if (payload.is_object()) {
    pod_nodes_[name] = std::move(payload);
  } else {
    if (!data.empty()) spdlog::warn("leader: pod node {} holds no JSON object, skipped", name);
    pod_nodes_.erase(name);
  }
}

void ReactiveLeader::refresh_dependencies() {
  const std::string& ns = services_.settings.ns;
  std::vector<std::string> clusters;
  bool listed = false;
  json deps = json::object();
  auto read_snapshot = [&](const std::string& cluster, json& into) {
    const std::string path = root_ + "/" + cluster + "/snapshot";
    std::string data;
    int rc = session_->get(path, &data, nullptr, true);
    if (zk::no_node(rc)) {
      rc = session_->exists(path, nullptr, true);  // fires when it appears
      return;
    }
    if (!zk::ok(rc)) {
      spdlog::warn("leader: cannot read {}: {}", path, zk::error(rc));
      return;
    }
    json snapshot = json::parse(data, nullptr, false);
    if (!snapshot.is_object()) {
      spdlog::warn("leader: {} holds no JSON object, taken as empty", path);
      return;
    }
    into.update(snapshot);
  };
  for (const auto& dep : model_.depends_on) {
    json merged = json::object();
    if (is_glob(dep)) {
      if (!listed) {
        const int rc = session_->children(root_, &clusters, true);
        if (!zk::ok(rc)) spdlog::warn("leader: cannot list clusters: {}", zk::error(rc));
        listed = true;
      }
      for (const auto& cluster : match_glob(dep, ns, services_.settings.full_name(), clusters)) {
        read_snapshot(cluster, merged);
      }
    } else {
      read_snapshot(dependency_cluster(dep, ns), merged);
    }
    deps[dep] = std::move(merged);
  }
  dependencies_ = std::move(deps);
}

void ReactiveLeader::evaluate() {
  if (!leading_ || paused_ || round_running_) return;
  const std::string hash = snapshot_hash(snapshot_map());
  if (hash == stored_hash_) {
    if (round_due_) {
      spdlog::info("leader: the cluster is back as configured; round cancelled");
      services_.coordinator.cancel(round_timer_);
      services_.coordinator.cancel(countdown_timer_);
      round_due_.reset();
    }
    set_state("leader", "");
    return;
  }
  if (round_due_) return;  // already counting down
  schedule_round(model_.damper);
}

void ReactiveLeader::schedule_round(Seconds delay) {
  const auto wait = std::chrono::duration_cast<EventLoop::Clock::duration>(delay);
  round_due_ = EventLoop::Clock::now() + wait;
  round_timer_ = services_.coordinator.post_after(wait, [this] { start_round(); });
  tick_countdown();
}

void ReactiveLeader::tick_countdown() {
  services_.coordinator.cancel(countdown_timer_);
  if (!round_due_) return;
  const Seconds left = *round_due_ - EventLoop::Clock::now();
  set_state("leader (configuration pending)",
            fmt::format("configuring in {:.0f} s", std::ceil(std::max(0.0, left.count()))));
  if (left > Seconds(1)) {
    countdown_timer_ =
        services_.coordinator.post_after(std::chrono::seconds(1), [this] { tick_countdown(); });
  }
}

void ReactiveLeader::start_round() {
  services_.coordinator.cancel(countdown_timer_);
  round_due_.reset();
  if (!leading_ || paused_) return;
  const json map = snapshot_map();
  const std::string hash = snapshot_hash(map);
  if (hash == stored_hash_) {
    set_state("leader", "");
    return;
  }
  RoundPlan plan;
  plan.pods = map["local"];
  plan.dependencies = dependencies_;
  plan.grace = model_.grace;
  plan.full_shutdown = model_.full_shutdown;
  plan.sequential = model_.sequential;
  round_running_ = true;
  set_state("leader (configuring)", "");
  spdlog::info("leader: configuring {} pod(s)", plan.pods.size());
  const uint64_t epoch = epoch_;
  auto abort = abort_;
  worker_.post([this, plan = std::move(plan), abort, epoch, hash]() mutable {
    plan.abort = abort.get();
    const auto started = std::chrono::steady_clock::now();
    RoundResult result = run_round(plan);
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
            .count();
    spdlog::debug("leader: round took {:.1f} ms", ms);
    // The coordinator loop outlives this worker; epoch tells stale results.
    services_.coordinator.post([this, abort, epoch, hash, result = std::move(result)] {
      if (abort->load()) return;  // leadership lost, or we are being destroyed
      finish_round(epoch, hash, result.ok, result.error, result.configured);
    });
  });
}

void ReactiveLeader::finish_round(uint64_t epoch, const std::string& hash, bool ok,
                                  const std::string& error, const json& configured) {
  if (epoch != epoch_) return;
  round_running_ = false;
  if (paused_) return;  // on_resume looks again
  if (ok) {
    int rc = write_snapshot(configured);
    if (zk::ok(rc)) rc = session_->set(cluster_path_ + "/hash", hash);
    if (zk::ok(rc)) {
      stored_hash_ = hash;
      spdlog::info("leader: {} pod(s) configured (hash {})", configured.size(), hash);
      set_state("leader", "");
      evaluate();
      schedule_probe();
      return;
    }
    spdlog::warn("leader: configured, but cannot store the outcome: {}", zk::error(rc));
  } else {
    spdlog::warn("leader: round failed: {}", error);
  }
  schedule_round(std::max(Seconds(model_.damper), kMinRetry));
}

int ReactiveLeader::write_snapshot(const json& pods) {
  const std::string path = cluster_path_ + "/snapshot";
  const std::string data = to_json(pods);
  ZkStat stat;
  int rc = session_->exists(path, &stat, false);
  if (zk::ok(rc) && stat.ephemeral_owner == session_->id()) return session_->set(path, data);
  if (zk::ok(rc)) {
    // A previous leader's node lingers until its session expires: replace it,
    // or it would vanish under our dependents later.
    rc = session_->remove(path);
    if (!zk::ok(rc) && !zk::no_node(rc)) return rc;
  } else if (!zk::no_node(rc)) {
    return rc;
  }
  return session_->create(path, data, zk::ephemeral(), nullptr);
}

void ReactiveLeader::schedule_probe() {
  services_.coordinator.cancel(probe_timer_);
  const auto every = std::chrono::duration_cast<EventLoop::Clock::duration>(model_.probe_every);
  probe_timer_ = services_.coordinator.post_after(every, [this] {
    if (!leading_ || paused_) return;
    if (round_running_ || round_due_) {
      schedule_probe();
      return;
    }
    json payload{{"pods", snapshot_map()["local"]},
                 {"dependencies", dependencies_},
                 {"key", services_.uuid}};
    const uint64_t epoch = epoch_;
    auto abort = abort_;
    worker_.post([this, payload = std::move(payload), epoch, abort] {
      std::string status;
      try {
        status = model_.probe(Cluster::from_payload(payload)).value_or("");
      } catch (const std::exception& e) {
        status = std::string("* ") + e.what();
      }
      services_.coordinator.post([this, status, epoch, abort] {
        if (abort->load() || epoch != epoch_) return;
        if (!round_running_ && !round_due_) services_.hints.set_status(status);
        schedule_probe();
      });
    });
  });
}

}  // namespace ochopod
