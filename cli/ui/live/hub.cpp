#include "cli/ui/live/hub.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "runtime/zk/address.h"

namespace ochopod::cli::ui {

namespace {

constexpr std::chrono::milliseconds kCoalesce{20};  // changes that come together, published once
constexpr std::chrono::milliseconds kMinGap{100};   // between two publishes, at least

std::string action_words(const ActionRecord& record) {
  std::string text = record.action;
  if (!record.detail.empty()) text += " " + record.detail;
  return text;
}

int action_seq(const ActionRecord& record) {
  return record.pods.size() == 1 ? record.pods.front().seq : -1;
}

}  // namespace

Hub::Hub(HubSettings settings, OnPublish on_publish)
    : settings_(std::move(settings)),
      on_publish_(std::move(on_publish)),
      own_loop_(std::make_unique<EventLoop>("ui")),
      own_fetch_loop_(std::make_unique<EventLoop>("ui-fetch")),
      own_slow_loop_(std::make_unique<EventLoop>("ui-fetch-slow")),
      loop_(own_loop_.get()),
      fetch_loop_(own_fetch_loop_.get()) {
  init();
  cache_->use_slow_lane(*own_slow_loop_);
}

Hub::Hub(HubSettings settings, OnPublish on_publish, HubParts parts)
    : settings_(std::move(settings)),
      on_publish_(std::move(on_publish)),
      loop_(parts.loop),
      fetch_loop_(parts.fetch_loop),
      fetcher_(std::move(parts.fetcher)),
      clock_(std::move(parts.clock)) {
  init();
}

void Hub::init() {
  if (!fetcher_) fetcher_ = real_fetcher(settings_.reach);
  if (!clock_) clock_ = system_wall_clock;
  std::string ignored;
  const auto address = parse_zk_address(settings_.zk, &ignored);
  address_ = address ? address->display() : settings_.zk;
  ZkSessionFactory factory = settings_.factory;
  if (!factory && address) {
    factory = [address = *address](std::chrono::milliseconds timeout, ZkSession::Sink sink,
                                   std::string* error) {
      return ZkSession::open(address, timeout, std::move(sink), error);
    };
  }
  watcher_ = std::make_unique<ZkWatcher>(
      *loop_, std::move(factory), [this](const ZkNews& news) { on_news(news); }, clock_);
  watcher_->set_address(address_);
  CacheSettings cache;
  cache.refresh = settings_.refresh;
  cache_ = std::make_unique<PodCache>(
      *loop_, *fetch_loop_, fetcher_, cache, [this](const std::string&) { mark_dirty(); }, clock_);
}

Hub::~Hub() {
  // On the loop, so that nothing of ours runs meanwhile; the session closes
  // there too (never on the ZooKeeper client's thread).
  loop_->run_sync([this] {
    loop_->cancel(publish_timer_);
    publish_timer_ = 0;
    cache_.reset();
    watcher_.reset();
  });
  // The batch in progress ends first (its answer is dropped), then the loop.
  own_fetch_loop_.reset();
  own_slow_loop_.reset();
  own_loop_.reset();
}

bool Hub::start(std::chrono::milliseconds deadline, std::string* error) {
  if (!settings_.factory) {
    std::string why;
    if (!parse_zk_address(settings_.zk, &why)) {
      *error = why;
      return false;
    }
  }
  bool opened = false;
  std::string why;
  loop_->run_sync([&] { opened = watcher_->open(&why); });
  if (!opened) {
    *error = "cannot reach ZooKeeper at " + address_ + ": " + why;
    return false;
  }
  return watcher_->wait_connected(deadline, error);
}

SnapshotPtr Hub::snapshot() const {
  std::lock_guard lock(snapshot_mutex_);
  return snapshot_;
}

uint64_t Hub::subscribe(const ViewKey& view) {
  const uint64_t id = next_view_++;
  loop_->post([this, id, view] {
    views_[id] = view;
    views_changed();
  });
  return id;
}

void Hub::unsubscribe(uint64_t id) {
  loop_->post([this, id] {
    if (views_.erase(id) != 0) views_changed();
  });
}

void Hub::views_changed() {
  std::vector<ViewKey> views;
  views.reserve(views_.size());
  for (const auto& [id, view] : views_) views.push_back(view);
  cache_->set_interest(interest_of(views));
}

void Hub::put_action(ActionRecord record) {
  loop_->post([this, record = std::move(record)]() mutable {
    const WallTime now = clock_();
    auto it = std::find_if(actions_.begin(), actions_.end(),
                           [&](const ActionRecord& a) { return a.id == record.id; });
    const bool fresh = it == actions_.end();
    const bool was_finished = !fresh && it->finished != 0;
    if (fresh) {
      timeline_.add(Event{0, now, "action", record.cluster, action_seq(record),
                          action_words(record) + " by " + record.who});
    }
    if (record.finished != 0 && !was_finished) {
      const auto ok = std::count_if(record.pods.begin(), record.pods.end(),
                                    [](const ActionOutcome& o) { return o.done && o.ok; });
      timeline_.add(Event{0, now, "action", record.cluster, action_seq(record),
                          action_words(record) + (record.cancelled ? " cancelled: " : " done: ") +
                              std::to_string(ok) + " of " + std::to_string(record.pods.size()) +
                              " ok"});
      // What the action did shows at once, not at the next tier's turn.
      cache_->fetch_now(record.cluster);
    }
    const std::string cluster = record.cluster;
    if (fresh) {
      actions_.push_back(std::move(record));
      while (actions_.size() > kActionsKept) actions_.pop_front();
    } else {
      *it = std::move(record);
    }
    mark_dirty();
  });
}

void Hub::refresh(const std::string& cluster) {
  loop_->post([this, cluster] { cache_->fetch_now(cluster); });
}

std::vector<PodRecord> Hub::pods_of(const std::string& cluster) const {
  std::vector<PodRecord> out;
  const SnapshotPtr snap = snapshot();
  if (const ClusterView* c = snap->cluster(cluster)) {
    for (const auto& pod : c->pods) out.push_back(pod.record);
  }
  return out;
}

void Hub::on_news(const ZkNews& news) {
  // The watcher is in the middle of its reads: gather, and act once they end.
  if (!news.cluster.empty() && news.fetch) fetch_now_.emplace_back(news.cluster, news.node);
  if (!sync_posted_) {
    sync_posted_ = true;
    loop_->post([this] { sync(); });
  }
}

void Hub::sync() {
  sync_posted_ = false;
  if (!watcher_ || !cache_) return;
  cache_->set_pods(watcher_->clusters());
  std::sort(fetch_now_.begin(), fetch_now_.end());
  fetch_now_.erase(std::unique(fetch_now_.begin(), fetch_now_.end()), fetch_now_.end());
  std::string whole;  // a cluster asked as a whole covers its pods
  for (const auto& [cluster, node] : fetch_now_) {
    if (!node.empty() && cluster == whole) continue;
    if (node.empty()) whole = cluster;
    cache_->fetch_now(cluster, node);
  }
  fetch_now_.clear();
  mark_dirty();
}

void Hub::mark_dirty() {
  if (publish_timer_ != 0) return;
  const auto now = loop_->now();
  const auto gap = last_publish_ + kMinGap - now;
  const auto delay = std::max<Scheduler::Clock::duration>(kCoalesce, gap);
  publish_timer_ = loop_->post_after(delay, [this] {
    publish_timer_ = 0;
    publish();
  });
}

void Hub::publish() {
  if (!watcher_ || !cache_) return;
  last_publish_ = loop_->now();
  const WallTime now = clock_();
  auto snap = std::make_shared<Snapshot>();
  snap->version = ++version_;
  snap->at = now;
  snap->zk = watcher_->health();
  snap->clusters = watcher_->clusters();
  cache_->fill(&snap->clusters);
  // The first complete picture is where the timeline starts: what was there
  // already did not "join".
  // Each change is told once: every picture is compared with the one
  // before, connected or not (pods are still asked while ZooKeeper is lost).
  if (baseline_) timeline_.compare(previous_, snap->clusters, now);
  if (baseline_ || snap->zk.connected) {
    baseline_ = true;
    previous_ = snap->clusters;
  }
  snap->events = timeline_.list();
  snap->actions.assign(actions_.begin(), actions_.end());
  snap->pod_calls = cache_->calls_sent();
  SnapshotPtr published = std::move(snap);
  {
    std::lock_guard lock(snapshot_mutex_);
    snapshot_ = published;
  }
  if (on_publish_) on_publish_(published);
}

}  // namespace ochopod::cli::ui
