// The UI's picture of the clusters: what ZooKeeper's watches say
// (zk_watcher.h) joined with the pods' last answers (pod_cache.h) and the
// timeline (timeline.h).
//
// The hub (hub.h) owns the live copy on its "ui" loop and, after every change,
// publishes an immutable Snapshot. HTTP threads render pages, the JSON API
// and stream fragments from snapshots only: nothing here is ever mutated once
// published. docs/ui.md says what each field shows.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cli/ops/actions.h"
#include "cli/ops/zk.h"

namespace ochopod::cli::ui {

using WallTime = double;  // unix seconds; 0: never

// The last outcome of one kind of call to one pod.
struct Fetch {
  PodResult result;    // as the operator commands get it (cli/ops/actions.h)
  WallTime at = 0;     // when it was answered or failed; 0: not tried yet
  std::string reason;  // when !result.ok, short and for people: "timeout",
                       // "refused", "401 token needed", "TLS verify failed: <why>",
                       // "HTTP 410 (dead)"...
  int failures = 0;    // in a row; drives the backoff
};

struct PodView {
  PodRecord record;              // the registration (cli/ops/zk.h)
  int64_t session = 0;           // the registration node's ephemeral owner
  bool leader = false;           // owns the lowest lock node under `coordinator`
  bool in_snapshot = false;      // listed in the leader's published `snapshot`
  bool duplicate_seq = false;    // another registration claims the same seq
  Fetch info;                    // /info (info_action: data {"info": {...}})
  Fetch metrics;                 // /metrics highlights, for pods shown in detail;
                                 // data {"metrics": {"<series>": value}}; a Python
                                 // pod's 404 leaves it !ok with http 404
  std::vector<std::string> log;  // the last /log lines, for pods with an open log pane
  WallTime log_at = 0;

  // "<namespace>.<cluster>-<seq>": the id of the pod's row and the
  // pod's page (docs/ui.md "Element ids"); unique per cluster unless
  // duplicate_seq, then "-<uuid prefix>" is appended.
  std::string dom_id() const;
};

struct ClusterView {
  std::string name;                       // "<namespace>.<cluster>"
  std::vector<PodView> pods;              // by seq, then uuid
  WallTime configured_at = 0;             // the `hash` node's mtime; 0: never configured
  int snapshot_size = -1;                 // pods in `snapshot`; -1: none published
  std::vector<std::string> dependencies;  // full names, from the pods' /info "dependencies"

  const PodView* leader() const;  // nullptr: none
};

// One line of the timeline (timeline.h).
struct Event {
  uint64_t id = 0;  // grows by one per event, for /api/v1/events?since=
  WallTime at = 0;
  std::string kind;     // "joined", "left", "leader", "configured", "process",
                        // "state", "unreachable", "reachable", "action"
  std::string cluster;  // "" for events about ZooKeeper itself
  int seq = -1;         // -1: the cluster as a whole
  std::string detail;   // for people: "running -> stopped", "3 pods", "off by ..."
};

// One operator action (action_runner.h) as pages and the API show it.
struct ActionOutcome {
  std::string key;  // "<cluster> #<seq>"
  int seq = -1;
  bool done = false;  // false: waiting or in flight
  bool ok = false;
  int http = 0;
  std::string outcome;  // the CLI's words: "ok", "HTTP 406 (...)", "no answer (timeout)"
};

struct ActionRecord {
  uint64_t id = 0;
  std::string action;  // on, off, restart, kill, signal, exec, rolling-restart
  std::string cluster;
  std::string detail;  // signal's JSON body, exec's "<tool> <args>"
  std::string who;     // "<how>@<peer>" (auth.h Session::who)
  WallTime started = 0;
  WallTime finished = 0;  // 0: still running
  bool cancelled = false;
  std::vector<ActionOutcome> pods;  // in the order they are acted on
  std::vector<std::string> output;  // exec: the tools' stdout, "#<seq> line"
};

// What ZooKeeper looks like from the UI process.
struct ZkHealth {
  bool connected = false;
  WallTime stale_since = 0;  // when the session was lost; 0 while connected
  std::string address;       // --zk as shown: without user:pass@
};

// The whole picture at one moment. version grows by one per publish.
struct Snapshot {
  uint64_t version = 0;
  WallTime at = 0;
  ZkHealth zk;
  std::vector<ClusterView> clusters;  // by name
  std::vector<Event> events;          // newest last, at most the timeline's capacity
  std::vector<ActionRecord> actions;  // newest last, the last 200
  uint64_t pod_calls = 0;             // calls made to pods since the start (the cache's)

  const ClusterView* cluster(const std::string& name) const;
  const PodView* pod(const std::string& cluster, int seq) const;
  const ActionRecord* action(uint64_t id) const;
};

using SnapshotPtr = std::shared_ptr<const Snapshot>;

// What a page or a stream shows (docs/ui.md "URLs" and "The live stream").
struct ViewKey {
  enum class Kind { kOverview, kCluster, kPod, kLogs, kEvents, kActions, kAction };
  Kind kind = Kind::kOverview;
  std::string cluster;     // kCluster, kPod, kLogs
  int seq = -1;            // kPod
  uint64_t action = 0;     // kAction
  std::string glob = "*";  // kOverview, kEvents: the ?c= filter

  bool operator==(const ViewKey&) const = default;
};

// The stream's ?view=: "overview", "cluster:<c>", "pod:<c>#<seq>",
// "logs:<c>", "events", "actions", "action:<id>"; nullopt if malformed.
// glob is the stream's ?c= (default "*").
std::optional<ViewKey> parse_stream_view(std::string_view view, std::string_view glob = "*");

// An action as a form or the API asks for it, before it runs.
struct ActionDraft {
  std::string action;  // on, off, restart, kill, signal, exec, rolling-restart
  std::string cluster;
  std::vector<int> seqs;            // empty with all
  bool all = false;                 // every pod of the cluster ("all N pods" ticked)
  std::vector<std::string> expect;  // the uuids the person confirmed
  std::string body;                 // signal: a JSON object
  std::string tool;                 // exec: the tool and its arguments
  std::string confirm;              // kill: the cluster's name, typed
};

}  // namespace ochopod::cli::ui
