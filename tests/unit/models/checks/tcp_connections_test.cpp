// count_established(): the /proc/net/tcp{,6} parser behind `--drain tcp:<port>`,
// on sample text (the format of the kernel's proc_net_tcp documentation).
#include "models/checks/tcp_connections.h"

#include <gtest/gtest.h>

namespace ochopod {
namespace {

// Port 8080 is 1F90: one listener (0A), two established server sides (01),
// one TIME_WAIT (06); a client of port 8080 (remote 1F90) is not ours.
constexpr const char* kTcp =
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout "
    "inode\n"
    "   0: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 "
    "1001 1 0000000000000000 100 0 0 10 0\n"
    "   1: 0100007F:1F90 0100007F:D2F0 01 00000000:00000000 00:00000000 00000000  1000        0 "
    "1002 1 0000000000000000 20 4 30 10 -1\n"
    "   2: 0100007F:D2F0 0100007F:1F90 01 00000000:00000000 00:00000000 00000000  1000        0 "
    "1003 1 0000000000000000 20 4 30 10 -1\n"
    "   3: 0A00000F:1F90 0A000001:C001 01 00000000:00000000 00:00000000 00000000  1000        0 "
    "1004 1 0000000000000000 20 4 30 10 -1\n"
    "   4: 0100007F:1F90 0100007F:C002 06 00000000:00000000 03:00001770 00000000     0        0 0 "
    "3 0000000000000000\n";

constexpr const char* kTcp6 =
    "  sl  local_address                         remote_address                        st "
    "tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
    "   0: 00000000000000000000000000000000:1F90 00000000000000000000000000000000:0000 0A "
    "00000000:00000000 00:00000000 00000000  1000        0 2001 1 0000000000000000 100 0 0 10 0\n"
    "   1: 00000000000000000000000001000000:1F90 00000000000000000000000001000000:E001 01 "
    "00000000:00000000 00:00000000 00000000  1000        0 2002 1 0000000000000000 20 4 30 10 "
    "-1\n";

TEST(TcpConnections, CountsEstablishedOnTheLocalPortOnly) {
  EXPECT_EQ(count_established(kTcp, 8080), 2);
  EXPECT_EQ(count_established(kTcp, 0xD2F0), 1);  // the client side, seen from its own port
  EXPECT_EQ(count_established(kTcp, 8081), 0);
  EXPECT_EQ(count_established(kTcp6, 8080), 1);
}

TEST(TcpConnections, SkipsWhatDoesNotParse) {
  EXPECT_EQ(count_established("", 8080), 0);
  EXPECT_EQ(count_established("garbage\n 1: nocolon 0 01\n 2: 0:ZZZZ 0:0 01\n", 8080), 0);
  // No trailing line end on the last line.
  EXPECT_EQ(count_established("  0: 0100007F:1F90 0100007F:D2F0 01", 8080), 1);
}

TEST(TcpConnections, ReadsThisHostsTables) {
  std::string error;
  const auto n = established_connections(1, &error);
  ASSERT_TRUE(n.has_value()) << error;
  EXPECT_EQ(*n, 0) << "something is connected to local port 1";
}

}  // namespace
}  // namespace ochopod
