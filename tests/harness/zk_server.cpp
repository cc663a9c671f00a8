#include "harness/zk_server.h"

#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <stdexcept>
#include <thread>

#include "harness/files.h"
#include "harness/four_letter.h"
#include "harness/ports.h"
#include "harness/spawn.h"

namespace ochopod::test {

namespace {

using namespace std::chrono_literals;

constexpr const char* kJava = "/usr/bin/java";
constexpr const char* kServerJar = "/usr/share/java/zookeeper.jar";
constexpr const char* kLog4jConfig = "/etc/zookeeper/conf/log4j.properties";
// Not on the server jar's manifest class path: without them the server logs
// nothing. Added when installed.
constexpr const char* kLogJars[] = {"/usr/share/java/slf4j-log4j12.jar",
                                    "/usr/share/java/log4j-1.2.jar"};

bool exists(const std::string& path) { return ::access(path.c_str(), R_OK) == 0; }

}  // namespace

ZkServer::ZkServer() : dir_("ochopod-zk-") {
  std::filesystem::create_directories(data_dir());
  if (exists(kLog4jConfig)) {
    std::filesystem::copy_file(kLog4jConfig, dir_.file("log4j.properties"));
  }
  port_ = free_port();
  write_config();
}

ZkServer::~ZkServer() {
  stop();
  dump_log_if_failed("ZooKeeper log", log_path(), 40);
}

std::string ZkServer::connect_string() const { return "127.0.0.1:" + std::to_string(port_); }

void ZkServer::write_config() {
  write_text(dir_.file("zoo.cfg"),
             "tickTime=500\n"
             "dataDir=" +
                 data_dir() + "\n" + "clientPort=" + std::to_string(port_) + "\n" +
                 "clientPortAddress=127.0.0.1\n"
                 "maxClientCnxns=0\n"
                 "4lw.commands.whitelist=*\n"
                 "admin.enableServer=false\n"
                 "minSessionTimeout=1000\n"
                 "maxSessionTimeout=60000\n"
                 // No fsync of the transaction log: data still survives a kill of
                 // the server (it is in the page cache), and a busy shared disk
                 // cannot stall every session for seconds.
                 "forceSync=no\n");
}

void ZkServer::launch() {
  std::string classpath = dir() + ":" + kServerJar;
  for (const char* jar : kLogJars) {
    if (exists(jar)) classpath += std::string(":") + jar;
  }
  SpawnOptions options;
  options.argv = {kJava,
                  "-Xmx256m",
                  "-XX:+UseSerialGC",
                  "-XX:TieredStopAtLevel=1",
                  "-Djava.net.preferIPv4Stack=true",
                  "-Dzookeeper.root.logger=INFO,CONSOLE",
                  "-Dlog4j.configuration=file:" + dir_.file("log4j.properties"),
                  "-cp",
                  classpath,
                  "org.apache.zookeeper.server.ZooKeeperServerMain",
                  dir_.file("zoo.cfg")};
  options.cwd = dir();
  pid_ = spawn_logging_to(std::move(options), log_path());
}

void ZkServer::start(std::chrono::milliseconds deadline) {
  if (running()) return;
  const auto until = std::chrono::steady_clock::now() + deadline;
  const std::string our_data = "dataDir=" + data_dir();
  int port_changes = 0;
  launch();
  while (true) {
    if (auto status = wait_pid(pid_, 0ms)) {
      pid_ = -1;
      const std::string text = log();
      const bool port_taken = text.find("Address already in use") != std::string::npos;
      if (!started_once_ && port_taken && port_changes < 3) {
        ++port_changes;
        port_ = free_port();
        write_config();
        launch();
        continue;
      }
      throw std::runtime_error("ZooKeeper exited while starting (" + describe_status(*status) +
                               "), log:\n" + last_lines(text, 40));
    }
    // ruok answers before the database is loaded; srvr reports a mode only
    // once the server serves requests. conf proves the server is ours.
    if (four_letter("srvr", 500ms).find("Mode: ") != std::string::npos &&
        four_letter("conf", 500ms).find(our_data) != std::string::npos) {
      started_once_ = true;
      return;
    }
    if (std::chrono::steady_clock::now() >= until) {
      kill_and_reap(pid_);
      pid_ = -1;
      throw std::runtime_error("ZooKeeper did not start serving within " +
                               std::to_string(deadline.count()) + " ms, log:\n" +
                               last_lines(log(), 40));
    }
    std::this_thread::sleep_for(20ms);
  }
}

void ZkServer::stop() {
  if (!running()) return;
  kill_and_reap(pid_);
  pid_ = -1;
}

void ZkServer::stop_gracefully(std::chrono::milliseconds grace) {
  if (!running()) return;
  ::kill(-pid_, SIGTERM);
  if (!wait_pid(pid_, grace)) kill_and_reap(pid_);
  pid_ = -1;
}

void ZkServer::restart() {
  stop();
  start();
}

std::string ZkServer::four_letter(const std::string& word,
                                  std::chrono::milliseconds timeout) const {
  return ::ochopod::test::four_letter(port_, word, timeout);
}

std::map<std::string, std::string> ZkServer::mntr() const {
  return parse_mntr(four_letter("mntr"));
}

std::string ZkServer::log() const { return read_text(log_path()); }

}  // namespace ochopod::test
