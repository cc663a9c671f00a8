#include "harness/kazoo_holder.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <nlohmann/json.hpp>
#include <system_error>

#include "harness/files.h"
#include "harness/kazoo.h"
#include "harness/spawn.h"

namespace ochopod::test {

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// argv: mode hosts path arg data_hex sequential session_timeout_seconds.
// stdout: JSON lines {"event": "ready", "node": ..., "session": ...} then
// {"event": "released"}. stderr: diagnostics. Stdin EOF means let go.
constexpr const char* kScript = R"PY(
import json, logging, sys, threading
logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
from kazoo.client import KazooClient
mode, hosts, path, arg, data_hex, seq, timeout = sys.argv[1:8]
client = KazooClient(hosts=hosts, timeout=float(timeout),
                     connection_retry=dict(max_tries=-1, delay=0.1, backoff=1.5, max_delay=0.5))
client.add_listener(lambda state: print('state ' + str(state), file=sys.stderr, flush=True))
client.start(timeout=10.0)
def report(node):
    print(json.dumps({'event': 'ready', 'node': node, 'session': client.client_id[0]}),
          flush=True)
lock = None
if mode == 'lock':
    lock = client.Lock(path, arg)
    def take():
        try:
            if lock.acquire():
                report(lock.node)
        except Exception as e:
            print('acquire ended: %r' % e, file=sys.stderr, flush=True)
    threading.Thread(target=take, daemon=True).start()
else:
    report(client.create(path, bytes.fromhex(data_hex), ephemeral=True,
                         sequence=(seq == '1'), makepath=True))
sys.stdin.read()
if lock is not None:
    lock.cancel()
    try:
        lock.release()
    except Exception as e:
        print('release failed: %r' % e, file=sys.stderr, flush=True)
client.stop()
client.close()
print(json.dumps({'event': 'released'}), flush=True)
)PY";

}  // namespace

KazooHolder::KazooHolder(const std::string& mode, const std::string& zk, const std::string& path,
                         const std::string& arg, const std::string& data, bool sequential,
                         std::chrono::milliseconds session_timeout)
    : dir_("ochopod-kazoo-") {
  int in_pipe[2];
  int out_pipe[2];
  make_pipes(in_pipe, out_pipe);
  const int log_fd =
      ::open(dir_.file("kazoo.log").c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  SpawnOptions options;
  options.argv = {"/usr/bin/python3",
                  "-c",
                  kScript,
                  mode,
                  zk,
                  path,
                  arg,
                  to_hex(data),
                  sequential ? "1" : "0",
                  std::to_string(static_cast<double>(session_timeout.count()) / 1000.0)};
  options.stdin_fd = in_pipe[0];
  options.stdout_fd = out_pipe[1];
  options.stderr_fd = log_fd;
  try {
    pid_ = spawn(options);
  } catch (...) {
    for (int fd : {in_pipe[0], in_pipe[1], out_pipe[0], out_pipe[1], log_fd}) ::close(fd);
    throw;
  }
  for (int fd : {in_pipe[0], out_pipe[1], log_fd}) {
    if (fd >= 0) ::close(fd);
  }
  stdin_fd_ = in_pipe[1];
  stdout_fd_ = out_pipe[0];
}

KazooHolder::~KazooHolder() {
  if (running()) release(5s);
  close_fds();
  dump_log_if_failed("kazoo holder log", dir_.file("kazoo.log"), 40);
}

std::string KazooHolder::log() const { return read_text(dir_.file("kazoo.log")); }

void KazooHolder::handle_line(const std::string& line) {
  const auto event = nlohmann::json::parse(line, nullptr, false);
  if (!event.is_object() || event.value("event", "") != "ready") return;
  node_ = event.value("node", "");
  session_id_ = event.value("session", int64_t{0});
  ready_ = true;
}

// Reads stdout lines until the deadline, EOF, or (if until_ready) readiness.
void KazooHolder::read_lines(Clock::time_point deadline, bool until_ready) {
  while (stdout_fd_ >= 0 && !(until_ready && ready_)) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left <= 0ms) return;
    pollfd p{stdout_fd_, POLLIN, 0};
    const int r = ::poll(&p, 1, static_cast<int>(left.count()));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return;
    char buf[1024];
    const ssize_t n = ::read(stdout_fd_, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(stdout_fd_);
      stdout_fd_ = -1;
      return;
    }
    buffer_.append(buf, static_cast<size_t>(n));
    size_t eol;
    while ((eol = buffer_.find('\n')) != std::string::npos) {
      handle_line(buffer_.substr(0, eol));
      buffer_.erase(0, eol + 1);
    }
  }
}

bool KazooHolder::wait_ready(std::chrono::milliseconds timeout) {
  read_lines(Clock::now() + timeout, true);
  return ready_;
}

bool KazooHolder::release(std::chrono::milliseconds grace) {
  if (!running()) return false;
  const auto deadline = Clock::now() + grace;
  if (stdin_fd_ >= 0) {
    ::close(stdin_fd_);
    stdin_fd_ = -1;
  }
  read_lines(deadline, false);  // drain to EOF so the script never blocks on output
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  auto status = wait_pid(pid_, std::max(left, 0ms));
  const bool clean = status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0;
  if (!status) kill_and_reap(pid_);
  pid_ = -1;
  close_fds();
  return clean;
}

void KazooHolder::kill() {
  if (!running()) return;
  kill_and_reap(pid_);
  pid_ = -1;
  close_fds();
}

void KazooHolder::close_fds() {
  for (int* fd : {&stdin_fd_, &stdout_fd_}) {
    if (*fd >= 0) ::close(*fd);
    *fd = -1;
  }
}

KazooLockHolder::KazooLockHolder(const std::string& zk, const std::string& path,
                                 const std::string& identifier,
                                 std::chrono::milliseconds session_timeout)
    : KazooHolder("lock", zk, path, identifier, "", false, session_timeout) {}

KazooEphemeralHolder::KazooEphemeralHolder(const std::string& zk, const std::string& path,
                                           const std::string& data, bool sequential,
                                           std::chrono::milliseconds session_timeout)
    : KazooHolder("ephemeral", zk, path, "", data, sequential, session_timeout) {}

}  // namespace ochopod::test
