// A cancelled round (RoundCancel): requests in flight are cut short and no
// further one leaves. The "pods" are loopback listeners that never accept:
// the kernel completes the connection, nobody answers, as with a frozen pod.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <future>

#include "harness/wait.h"
#include "ochopod/round.h"

namespace ochopod::test {
namespace {

using nlohmann::json;

class Frozen {
 public:
  Frozen() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), len), 0);
    EXPECT_EQ(::listen(fd_, 16), 0);
    EXPECT_EQ(::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len), 0);
    port_ = ntohs(addr.sin_port);
  }
  ~Frozen() { ::close(fd_); }
  Frozen(const Frozen&) = delete;
  Frozen& operator=(const Frozen&) = delete;

  // A connection waits in the accept queue.
  bool contacted() const {
    pollfd p{fd_, POLLIN, 0};
    return ::poll(&p, 1, 0) == 1;
  }
  json registration() const {
    return {{"ip", "127.0.0.1"}, {"port", "8080"}, {"ports", {{"8080", port_}}}};
  }

 private:
  int fd_ = -1;
  int port_ = 0;
};

RoundPlan plan_for(const std::vector<const Frozen*>& pods, bool sequential) {
  RoundPlan plan;
  char key = 'a';
  for (const auto* p : pods) plan.pods[std::string(1, key++)] = p->registration();
  plan.grace = std::chrono::seconds(30);  // 37.5 s per request if not cut
  plan.sequential = sequential;
  plan.cancel = std::make_shared<RoundCancel>();
  return plan;
}

TEST(RoundCancel, CutsTheRequestsInFlightShort) {
  Frozen a, b;
  RoundPlan plan = plan_for({&a, &b}, false);
  auto round = std::async(std::launch::async, [&] { return run_round(plan); });
  ASSERT_TRUE(
      wait_until([&] { return a.contacted() && b.contacted(); }, 5s, "both checks in flight"));
  const auto start = std::chrono::steady_clock::now();
  plan.cancel->cancel();
  ASSERT_EQ(round.wait_for(2s), std::future_status::ready) << "the round ran on after cancel()";
  const double took =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("cancelled round returned after %.3f s\n", took);
  const RoundResult result = round.get();
  EXPECT_FALSE(result.ok);
  EXPECT_TRUE(result.cancelled) << result.error;
}

TEST(RoundCancel, NoRequestLeavesAfterCancel) {
  Frozen a, b;
  RoundPlan plan = plan_for({&a, &b}, true);
  auto round = std::async(std::launch::async, [&] { return run_round(plan); });
  ASSERT_TRUE(wait_until([&] { return a.contacted(); }, 5s, "the first check in flight"));
  plan.cancel->cancel();
  ASSERT_EQ(round.wait_for(2s), std::future_status::ready) << "the round ran on after cancel()";
  EXPECT_TRUE(round.get().cancelled);
  EXPECT_FALSE(b.contacted()) << "a request left after cancel()";

  Frozen c;
  RoundPlan late = plan_for({&c}, false);
  late.cancel->cancel();
  const RoundResult result = run_round(late);
  EXPECT_TRUE(result.cancelled);
  EXPECT_FALSE(c.contacted()) << "a cancelled round contacted a pod";
}

}  // namespace
}  // namespace ochopod::test
