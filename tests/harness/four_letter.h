// ZooKeeper four-letter words over plain TCP (ruok, srvr, mntr, conf, cons...):
// the server's own view, independent of any client library. The words must be
// whitelisted (4lw.commands.whitelist=*), as ZkServer does. Also the plain
// exchange under it, for tests that speak to a port byte by byte.
#pragma once

#include <chrono>
#include <map>
#include <string>

namespace ochopod::test {

// Connects to 127.0.0.1:port, sends bytes, and reads until the peer closes
// or timeout passes: what came, and whether the peer closed (false also when
// it could not be reached).
struct TcpExchange {
  std::string answer;
  bool closed = false;
};
TcpExchange tcp_exchange(int port, const std::string& bytes, std::chrono::milliseconds timeout);

// Connects to 127.0.0.1:port, sends word, reads to EOF. Returns the raw answer,
// empty if the server could not be reached or did not answer in time.
std::string four_letter(int port, const std::string& word,
                        std::chrono::milliseconds timeout = std::chrono::seconds(2));

// Parses `mntr` output: one "key<TAB>value" per line.
std::map<std::string, std::string> parse_mntr(const std::string& text);

}  // namespace ochopod::test
