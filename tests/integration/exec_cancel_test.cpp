// /exec calls cancelled (issue 26): the pod's stop (ToolExecutor::stop_all)
// and a caller that hangs up kill a running tool's process group at once,
// instead of leaving it to run up to its timeout. Real ControlServer, real
// HTTP, real processes: a tool that runs a shell which forks a background
// grandchild, both in the shell's process group, and registers its kill with
// on_tool_cancel() as a pod author's C++ tool would; and the same through a
// command tool (`ochopod run --tool`), whose run_shell_command() does so.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <future>
#include <thread>

#include "harness/files.h"
#include "harness/http.h"
#include "harness/proc_tree.h"
#include "harness/spawn.h"
#include "harness/temp_dir.h"
#include "harness/wait.h"
#include "models/tools/command_tools.h"
#include "runtime/control/server.h"
#include "runtime/control/tool_executor.h"

namespace ochopod::test {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

// Runs `sh` with a `sleep 30` forked in the background, writes both pids to
// dir, and waits for the shell; a cancelled call kills the shell's group.
class Hold : public Tool {
 public:
  explicit Hold(std::string dir) : dir_(std::move(dir)) {}
  std::string tag() const override { return "hold"; }
  ToolResult body(const std::vector<std::string>&, const std::filesystem::path&) override {
    const std::string script = "sleep 30 & echo $! > " + dir_ + "/grandchild.tmp && mv " + dir_ +
                               "/grandchild.tmp " + dir_ + "/grandchild; echo $$ > " + dir_ +
                               "/shell.tmp && mv " + dir_ + "/shell.tmp " + dir_ + "/shell; wait";
    SpawnOptions options;
    options.argv = {"/bin/sh", "-c", script};
    const pid_t pid = spawn(options);
    auto hook = on_tool_cancel([pid] { ::kill(-pid, SIGKILL); });
    auto status = wait_pid(pid, 60s);
    hook.reset();  // the shell is reaped: its pid may be reused
    if (!status) status = kill_and_reap(pid);
    return {status && WIFEXITED(*status) ? WEXITSTATUS(*status) : 137, {}};
  }

 private:
  std::string dir_;
};

// A C++ tool that runs no process: nothing can stop it.
class Busy : public Tool {
 public:
  Busy(std::atomic<bool>& started, std::atomic<bool>& done) : started_(started), done_(done) {}
  std::string tag() const override { return "busy"; }
  ToolResult body(const std::vector<std::string>&, const std::filesystem::path&) override {
    started_ = true;
    std::this_thread::sleep_for(1500ms);
    done_ = true;
    return {0, {"finished"}};
  }

 private:
  std::atomic<bool>& started_;
  std::atomic<bool>& done_;
};

// A C++ tool that gives up when its call is cancelled.
class Polite : public Tool {
 public:
  explicit Polite(std::atomic<int>& started) : started_(started) {}
  std::string tag() const override { return "polite"; }
  ToolResult body(const std::vector<std::string>&, const std::filesystem::path&) override {
    ++started_;
    const auto end = Clock::now() + 30s;
    while (!tool_cancelled() && Clock::now() < end) std::this_thread::sleep_for(10ms);
    return {tool_cancelled() ? 1 : 0, {}};
  }

 private:
  std::atomic<int>& started_;
};

// Alive and not a zombie: an orphaned grandchild may wait as one for its reaper.
bool gone(pid_t pid) { return !alive(pid); }

class ExecCancel : public testing::Test {
 protected:
  void SetUp() override {
    tools.add(std::make_shared<Hold>(dir.path().string()));
    tools.add(std::make_shared<Busy>(busy_started, busy_done));
    tools.add(std::make_shared<Polite>(polite_started));
    tools.add(std::make_shared<CommandTool>("script=/bin/sh"));
    executor = std::make_unique<ToolExecutor>();
    ControlHandlers handlers;
    handlers.info = [] { return json::object(); };
    handlers.exec = serve_exec(tools, *executor);
    ControlServer::Options options;
    options.bind = "127.0.0.1";
    options.port = 0;
    server = std::make_unique<ControlServer>(options, std::move(handlers));
    std::string error;
    ASSERT_TRUE(server->start(&error)) << error;
  }
  // Whatever a failed test left running goes first, so the executor's
  // destruction does not wait 30 s for it.
  void TearDown() override {
    for (pid_t pid : {shell, grandchild}) {
      if (pid <= 0) continue;
      ::kill(-pid, SIGKILL);
      ::kill(pid, SIGKILL);
    }
    server.reset();
    executor.reset();
  }

  // Waits for the hold tool's processes to be up; false if they never were.
  bool hold_started() {
    const bool up = wait_until(
        [&] {
          shell = std::atoi(read_text(dir.file("shell")).c_str());
          grandchild = std::atoi(read_text(dir.file("grandchild")).c_str());
          return shell > 0 && grandchild > 0;
        },
        10s, "the tool's shell and its background grandchild up");
    return up && alive(shell) && alive(grandchild);
  }

  std::future<HttpReply> call(const std::string& shell_line) {
    return std::async(std::launch::async, [this, shell_line] {
      return http_post(server->port(), "/exec", "", 20s, {{"X-Shell", shell_line}});
    });
  }

  // A raw /exec call left waiting for its answer: the socket, to hang up
  // with close(); -1 if it could not be sent.
  int send_exec(const std::string& shell) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(server->port()));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const std::string request = "POST /exec HTTP/1.1\r\nHost: x\r\nX-Shell: " + shell + "\r\n\r\n";
    if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::send(fd, request.data(), request.size(), MSG_NOSIGNAL) != ssize_t(request.size())) {
      if (fd >= 0) ::close(fd);
      return -1;
    }
    return fd;
  }

  // What the hold tool runs, for a command tool to run it.
  std::string hold_script() {
    const std::string pids =
        "sleep 30 & echo $! > grandchild.tmp && mv grandchild.tmp grandchild; "
        "echo $$ > shell.tmp && mv shell.tmp shell; wait\n";
    write_text(dir.file("hold.sh"), "cd " + dir.path().string() + "\n" + pids);
    return dir.file("hold.sh");
  }

  TempDir dir{"ochopod-exec-cancel-"};
  std::atomic<bool> busy_done{false};
  std::atomic<bool> busy_started{false};
  std::atomic<int> polite_started{0};
  ToolBox tools;
  std::unique_ptr<ToolExecutor> executor;
  std::unique_ptr<ControlServer> server;
  pid_t shell = 0, grandchild = 0;
};

TEST_F(ExecCancel, TheStopKillsARunningToolsProcessGroupAndItsDestructionIsShort) {
  auto running = call("hold");
  ASSERT_TRUE(hold_started());

  const auto stop = Clock::now();
  executor->stop_all();
  ASSERT_EQ(running.wait_for(2s), std::future_status::ready) << "the caller got no answer";
  const auto answer = running.get();
  EXPECT_EQ(answer.status, 503) << answer.error;
  EXPECT_EQ(answer.json(), json::object());
  // Else the executor's destruction would wait the 30 s out.
  ASSERT_TRUE(wait_until([&] { return gone(shell) && gone(grandchild); }, 2s,
                         "the tool's shell and grandchild killed"));
  EXPECT_EQ(http_post(server->port(), "/exec", "", 5s, {{"X-Shell", "hold"}}).status, 503)
      << "a call after the stop began was taken";
  executor.reset();
  // Far below the tool's 300 s timeout (and the 30 s of its command).
  EXPECT_LT(Clock::now() - stop, 3s);
}

TEST_F(ExecCancel, TheStopDropsWaitingCallsWith503) {
  // Two calls of a tool run at once: the third waits.
  std::vector<std::future<HttpReply>> calls;
  for (int i = 0; i < 3; ++i) calls.push_back(call("polite"));
  ASSERT_TRUE(wait_until([&] { return polite_started == 2; }, 5s, "two calls running"));
  // The third call's request has no sign of its own: a short window for it
  // to be queued (were it not yet, its answer would be 503 all the same).
  ASSERT_TRUE(stays_false([&] { return calls[2].wait_for(0s) == std::future_status::ready; }, 200ms,
                          "a call answered before the stop"));
  executor->stop_all();
  for (auto& c : calls) {
    ASSERT_EQ(c.wait_for(2s), std::future_status::ready);
    EXPECT_EQ(c.get().status, 503);
  }
  const auto destroyed = Clock::now();
  executor.reset();
  EXPECT_LT(Clock::now() - destroyed, 2s) << "tools polling tool_cancelled() held the stop";
  EXPECT_EQ(polite_started, 2) << "a dropped call ran";
}

TEST_F(ExecCancel, ACppToolRunningNoProcessIsAnsweredAtOnceAndWaitedFor) {
  auto running = call("busy");
  ASSERT_TRUE(wait_until([&] { return busy_started.load(); }, 5s, "the busy tool running"));
  executor->stop_all();
  ASSERT_EQ(running.wait_for(1s), std::future_status::ready)
      << "the caller of a tool that cannot be stopped was not answered at the stop";
  EXPECT_EQ(running.get().status, 503);
  EXPECT_FALSE(busy_done) << "the test needs the tool still running here";
  executor.reset();
  EXPECT_TRUE(busy_done) << "the executor's destruction did not wait for the tool";
}

TEST_F(ExecCancel, ACallerThatHangsUpHasItsToolsProcessGroupKilled) {
  const int fd = send_exec("hold");
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(hold_started());

  ::close(fd);
  EXPECT_TRUE(wait_until([&] { return gone(shell) && gone(grandchild); }, 1500ms,
                         "the hung-up caller's tool (shell and grandchild) killed"));
  EXPECT_EQ(http_post(server->port(), "/info").status, 200) << "the port stopped serving";
}

TEST_F(ExecCancel, ACommandToolIsKilledWithItsGroupWhenItsCallerHangsUp) {
  const int fd = send_exec("script " + hold_script());
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(hold_started());

  ::close(fd);
  EXPECT_TRUE(wait_until([&] { return gone(shell) && gone(grandchild); }, 1500ms,
                         "the hung-up caller's command (shell and grandchild) killed"));
}

TEST_F(ExecCancel, TheStopKillsARunningCommandToolWithItsGroup) {
  auto running = call("script " + hold_script());
  ASSERT_TRUE(hold_started());

  const auto stop = Clock::now();
  executor->stop_all();
  ASSERT_EQ(running.wait_for(2s), std::future_status::ready) << "the caller got no answer";
  EXPECT_EQ(running.get().status, 503);
  // Else the executor's destruction would wait the 30 s out.
  ASSERT_TRUE(wait_until([&] { return gone(shell) && gone(grandchild); }, 2s,
                         "the command's shell and grandchild killed"));
  executor.reset();
  EXPECT_LT(Clock::now() - stop, 3s) << "the command held the executor's destruction";
}

}  // namespace
}  // namespace ochopod::test
