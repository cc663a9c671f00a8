// Long-lived kazoo sessions (/usr/bin/python3) that hold something in
// ZooKeeper until told to let go: a competitor for our pods' leader lock
// (KazooLockHolder, the same kazoo Lock recipe ochopod pods use) or a foreign
// ephemeral node such as a Python pod's registration (KazooEphemeralHolder).
// The python process watches its stdin: release() closes it and the script
// lets go and closes its session cleanly; kill() SIGKILLs it, leaving the
// session to expire on the server like a crashed pod's.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "harness/temp_dir.h"

namespace ochopod::test {

// The shared machinery; use one of the two classes below.
class KazooHolder {
 public:
  virtual ~KazooHolder();  // release() with a short grace, then SIGKILL
  KazooHolder(const KazooHolder&) = delete;
  KazooHolder& operator=(const KazooHolder&) = delete;

  // True once the script reported it holds its node; false if the timeout
  // passed or the script died first (see log()).
  bool wait_ready(std::chrono::milliseconds timeout);
  bool ready() const { return ready_; }
  // Once ready: the node's name (lock) or full path (ephemeral), and the
  // kazoo session id that owns it (== ZNode::ephemeral_owner).
  const std::string& node() const { return node_; }
  int64_t session_id() const { return session_id_; }

  // Closes stdin: the script releases, closes its session and exits. SIGKILL
  // after grace. True if it exited cleanly.
  bool release(std::chrono::milliseconds grace = std::chrono::seconds(15));
  // SIGKILL, no goodbye: the session lingers until the server expires it.
  void kill();

  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  std::string log() const;  // the script's stderr (kazoo warnings, state changes)

 protected:
  // mode is "lock" or "ephemeral"; see the script in kazoo_holder.cpp.
  KazooHolder(const std::string& mode, const std::string& zk, const std::string& path,
              const std::string& arg, const std::string& data, bool sequential,
              std::chrono::milliseconds session_timeout);

 private:
  void read_lines(std::chrono::steady_clock::time_point deadline, bool until_ready);
  void handle_line(const std::string& line);
  void close_fds();
  TempDir dir_;
  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  int stdout_fd_ = -1;
  std::string buffer_;
  bool ready_ = false;
  std::string node_;
  int64_t session_id_ = 0;
};

// Contends for the kazoo Lock at path (e.g. ".../coordinator"), creating
// "<uuid4 hex>__lock__<seq>" children with data = identifier, exactly like
// ochopod pods, so it competes with them for leadership.
class KazooLockHolder : public KazooHolder {
 public:
  KazooLockHolder(const std::string& zk, const std::string& path,
                  const std::string& identifier = "kazoo-lock-holder",
                  std::chrono::milliseconds session_timeout = std::chrono::seconds(10));
  // True once the lock is ours; node() is then the lock child's name.
  bool wait_acquired(std::chrono::milliseconds timeout) { return wait_ready(timeout); }
};

// Creates an ephemeral node (parents made as needed) and keeps it alive.
// With sequential, node() is the path ZooKeeper gave it (suffix included).
class KazooEphemeralHolder : public KazooHolder {
 public:
  KazooEphemeralHolder(const std::string& zk, const std::string& path, const std::string& data,
                       bool sequential = false,
                       std::chrono::milliseconds session_timeout = std::chrono::seconds(10));
  bool wait_created(std::chrono::milliseconds timeout) { return wait_ready(timeout); }
};

}  // namespace ochopod::test
