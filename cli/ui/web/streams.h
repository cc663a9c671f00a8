// Streams: the open event streams, one per browser tab (docs/ui.md "The live
// stream"). Each starts with every fragment of its view, then gets the
// fragments whose HTML changed (of a table whose rows are the same ones,
// only the rows that changed), new log lines and ZooKeeper's state, paced
// to one flush per 250 ms, and a ping every 15 s so proxies keep it open.
//
// I/O thread only ("ui-http"): the router opens streams, and the hub's
// publishes arrive through WebServer::post. Each stream tells the hub what
// it shows (Hub::subscribe) so that the cache fetches what is on screen.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "cli/ui/model.h"
#include "cli/ui/pages/views.h"
#include "cli/ui/web/server.h"

namespace ochopod::cli::ui {

class Hub;

class Streams {
 public:
  Streams(WebServer& server, Hub& hub);
  ~Streams();
  Streams(const Streams&) = delete;
  Streams& operator=(const Streams&) = delete;

  // Starts a stream of view on sink, as viewer sees it.
  void open(std::shared_ptr<EventSink> sink, const ViewKey& view, const Viewer& viewer);
  // A new snapshot was published (hub's on_publish, posted here).
  void published(SnapshotPtr snapshot);
  size_t size() const { return streams_.size(); }

 private:
  struct Stream {
    std::shared_ptr<EventSink> sink;
    ViewKey view;
    Viewer viewer;
    uint64_t subscription = 0;
    bool started = false;                     // has had the whole view once
    std::map<std::string, std::string> sent;  // element id -> the HTML it has
    // A table body's rows as sent (row id, HTML), so that a change to some
    // rows sends those rows only.
    std::map<std::string, std::vector<std::pair<std::string, std::string>>> rows;
    std::vector<std::string> log;             // the log lines it has (pod and logs views)
    bool zk_connected = false;
    double zk_stale_since = -1;
  };

  void send_view(Stream& stream, const Snapshot& snapshot);
  void flush();
  void ping();
  void close(uint64_t id);

  WebServer& server_;
  Hub& hub_;
  uint64_t next_id_ = 1;
  std::map<uint64_t, Stream> streams_;
  SnapshotPtr latest_;
  bool flush_pending_ = false;
  std::chrono::steady_clock::time_point last_flush_{};
  bool pinging_ = false;
};

}  // namespace ochopod::cli::ui
