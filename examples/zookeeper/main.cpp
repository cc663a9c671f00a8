// zookeeper: pods that together run a real ZooKeeper ensemble (Debian's
// server as the child). Each pod renders its configuration from the cluster
// in configure(), restarts its server on every round (membership changed:
// strict), and reports the server's mode as metrics from a ruok/srvr check.
//
// Environment: PORT_2181, PORT_2888, PORT_3888 (and PORT_8080) remap the
// server's ports; ZOOKEEPER_DATA (default /tmp) holds each server's data dir.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <ochopod/ochopod.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "ensemble.h"

namespace {

// Sends a four-letter word to 127.0.0.1:port and returns the answer.
std::string four_letter(int port, const std::string& word) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket failed");
  timeval tv{2, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string answer;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::write(fd, word.data(), word.size()) == static_cast<ssize_t>(word.size())) {
    char buffer[4096];
    for (ssize_t n; (n = ::read(fd, buffer, sizeof buffer)) > 0;) answer.append(buffer, n);
  }
  ::close(fd);
  return answer;
}

class Strategy : public ochopod::Piped {
 public:
  Strategy() {
    strict = true;  // a new member means a new configuration for everyone
    check_every = std::chrono::seconds(5);
    checks = 6;  // an ensemble takes a few seconds to elect
    grace = std::chrono::seconds(10);
    pipe_subprocess = false;
  }

  ochopod::Configuration configure(const ochopod::Cluster& cluster) override {
    const char* base = std::getenv("ZOOKEEPER_DATA");
    const std::filesystem::path dir =
        std::filesystem::path(base ? base : "/tmp") / ("ochopod-zookeeper-" + cluster.key);
    std::filesystem::create_directories(dir / "data");
    const auto rendered = zookeeper_example::render(cluster, (dir / "data").string());
    std::ofstream(dir / "zoo.cfg") << rendered.zoo_cfg;
    std::ofstream(dir / "data" / "myid") << rendered.myid << "\n";
    std::ofstream(dir / "log4j.properties")
        << "log4j.rootLogger=WARN, CONSOLE\n"
           "log4j.appender.CONSOLE=org.apache.log4j.ConsoleAppender\n"
           "log4j.appender.CONSOLE.layout=org.apache.log4j.PatternLayout\n"
           "log4j.appender.CONSOLE.layout.ConversionPattern=%d %-5p %m%n\n";
    client_port_ = rendered.client_port;
    // zookeeper.jar's manifest names slf4j's API but no binding: without
    // log4j's, the server would exit on a bad port or data dir saying nothing.
    return {"java -Dlog4j.configuration=file:" + (dir / "log4j.properties").string() + " -cp " +
            dir.string() +
            ":/usr/share/java/zookeeper.jar:/usr/share/java/slf4j-log4j12.jar:"
            "/usr/share/java/log4j-1.2.jar "
            "org.apache.zookeeper.server.quorum.QuorumPeerMain " +
            (dir / "zoo.cfg").string()};
  }

  std::optional<nlohmann::json> sanity_check(const ochopod::Process&) override {
    if (four_letter(client_port_, "ruok") != "imok") throw std::runtime_error("no imok");
    const std::string srvr = four_letter(client_port_, "srvr");
    const auto at = srvr.find("Mode: ");
    if (at == std::string::npos) throw std::runtime_error("srvr: no mode yet");
    const std::string mode = srvr.substr(at + 6, srvr.find('\n', at) - at - 6);
    return nlohmann::json{{"mode", mode}, {"port", client_port_}};
  }

 private:
  int client_port_ = 2181;
};

class Model : public ochopod::Reactive {
 public:
  Model() {
    damper = std::chrono::seconds(3);  // let the members arrive together
    control_timeout = std::chrono::seconds(30);
  }
};

}  // namespace

int main() { return ochopod::boot<Strategy, Model>(); }
