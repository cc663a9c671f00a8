// ZkServer: a real standalone ZooKeeper (the Debian server jar under Java) in
// a private temp dir, on a free loopback port, for integration tests. It can
// crash (stop), shut down (stop_gracefully) and come back on the same port and
// data dir (restart), so client sessions survive a quick restart.
//
//   ZkServer zk;
//   zk.start();                        // returns once it serves
//   run_pods_against(zk.connect_string());
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <string>

#include "harness/temp_dir.h"

namespace ochopod::test {

class ZkServer {
 public:
  // Prepares the config (tickTime=500, so sessions may be as short as 1 s);
  // does not start the server.
  ZkServer();
  ~ZkServer();  // stops the server and removes its directory
  ZkServer(const ZkServer&) = delete;
  ZkServer& operator=(const ZkServer&) = delete;

  // Starts the server unless it runs, and waits until it serves requests
  // (`srvr` reports a mode; `ruok` alone answers before the data is loaded)
  // and is really ours (its `conf` names our data dir). Throws std::runtime_error with
  // the end of its log on failure. The first start retries on a new port if
  // the chosen one was taken meanwhile; later starts keep the port.
  void start(std::chrono::milliseconds deadline = std::chrono::seconds(20));
  // Hard stop, like a crash: SIGKILL to the server's process group, reaped.
  void stop();
  // SIGTERM to the group, SIGKILL after grace; reaped.
  void stop_gracefully(std::chrono::milliseconds grace = std::chrono::seconds(10));
  // stop() then start(), same port and same data dir.
  void restart();

  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  int port() const { return port_; }
  std::string connect_string() const;  // "127.0.0.1:<port>"

  // Raw answer to a four-letter word; empty if no answer.
  std::string four_letter(const std::string& word,
                          std::chrono::milliseconds timeout = std::chrono::seconds(2)) const;
  // `mntr` as key -> value (e.g. "zk_packets_received", "zk_num_alive_connections").
  std::map<std::string, std::string> mntr() const;

  std::string dir() const { return dir_.path().string(); }
  std::string data_dir() const { return dir_.file("data"); }
  std::string log_path() const { return dir_.file("zookeeper.log"); }
  std::string log() const;  // the server's stdout+stderr so far

 private:
  void write_config();
  void launch();
  TempDir dir_;
  int port_ = 0;
  pid_t pid_ = -1;
  bool started_once_ = false;
};

}  // namespace ochopod::test
