// RequestQueue's lanes and drops, with a real lifecycle loop and a
// controller that blocks until told to go on.
#include "runtime/control/request_queue.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "harness/wait.h"

namespace ochopod {
namespace {

using namespace std::chrono_literals;

class GatedController : public Controller {
 public:
  ControlReply handle(const ControlRequest& request) override {
    std::unique_lock<std::mutex> lock(mu_);
    ran_.push_back(request.task);
    started_.notify_all();
    gate_.wait(lock, [&] { return open_; });
    return ControlReply{200, {{"task", request.task}}};
  }
  void shutdown(std::chrono::steady_clock::time_point) override {}
  void open() {
    std::lock_guard<std::mutex> lock(mu_);
    open_ = true;
    gate_.notify_all();
  }
  bool wait_started(size_t n) {
    std::unique_lock<std::mutex> lock(mu_);
    return started_.wait_for(lock, 5s, [&] { return ran_.size() >= n; });
  }
  std::vector<std::string> ran() {
    std::lock_guard<std::mutex> lock(mu_);
    return ran_;
  }

 private:
  std::mutex mu_;
  std::condition_variable gate_, started_;
  bool open_ = false;
  std::vector<std::string> ran_;
};

ControlRequest operator_request(const std::string& task) { return {task, nullptr}; }
ControlRequest leader_request(const std::string& task) {
  return {task, make_payload({{"pods", nlohmann::json::object()}})};
}

struct Replies {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::pair<std::string, int>> got;
  RequestQueue::Done to(const std::string& who) {
    return [this, who](ControlReply r) {
      std::lock_guard<std::mutex> lock(mu);
      got.emplace_back(who, r.code);
      cv.notify_all();
    };
  }
  bool wait(size_t n) {
    std::unique_lock<std::mutex> lock(mu);
    return cv.wait_for(lock, 5s, [&] { return got.size() >= n; });
  }
};

// A queue on its own loop whose controller holds each request until open().
class GatedQueue : public testing::Test {
 protected:
  EventLoop loop{"lifecycle"};
  GatedController controller;
  RequestQueue queue{loop, controller};
  Replies replies;
};

TEST_F(GatedQueue, AnExpiredQueuedRequestIsDroppedAndARunningOneCompletes) {
  auto running = queue.submit(operator_request("off"), replies.to("off"));
  ASSERT_TRUE(controller.wait_started(1));
  auto queued = queue.submit(operator_request("on"), replies.to("on"));
  EXPECT_TRUE(queued->expire()) << "the caller of a queued request answers 408";
  EXPECT_TRUE(running->expire()) << "the caller of a running request answers 408";
  auto later = queue.submit(operator_request("kill"), replies.to("kill"));
  controller.open();
  ASSERT_TRUE(replies.wait(1));
  loop.run_sync([] {});
  EXPECT_EQ(controller.ran(), (std::vector<std::string>{"off", "kill"})) << "`on` ran";
  ASSERT_EQ(replies.got.size(), 1u) << "expired requests got a reply";
  EXPECT_EQ(replies.got[0].first, "kill");
  EXPECT_FALSE(later->expire()) << "already answered";
}

TEST(RequestQueue, FullLanesRefuseAndTheLeadersLaneGoesFirst) {
  EventLoop loop("lifecycle");
  GatedController controller;
  RequestQueue queue(loop, controller, RequestQueue::Options{2, 2});
  Replies replies;
  ASSERT_TRUE(queue.submit(operator_request("off"), replies.to("off")));
  ASSERT_TRUE(controller.wait_started(1));
  ASSERT_TRUE(queue.submit(operator_request("signal"), replies.to("op1")));
  ASSERT_TRUE(queue.submit(operator_request("signal"), replies.to("op2")));
  EXPECT_FALSE(queue.submit(operator_request("signal"), replies.to("op3"))) << "lane full";
  ASSERT_TRUE(queue.submit(leader_request("check"), replies.to("leader1")));
  ASSERT_TRUE(queue.submit(leader_request("on"), replies.to("leader2")));
  EXPECT_FALSE(queue.submit(leader_request("ok"), replies.to("leader3")));
  controller.open();
  ASSERT_TRUE(replies.wait(5));
  EXPECT_EQ(controller.ran(), (std::vector<std::string>{"off", "check", "on", "signal", "signal"}));
}

TEST(RequestQueue, WaitingRequestsGet503WhenTheQueueGoes) {
  EventLoop loop("lifecycle");
  GatedController controller;
  Replies replies;
  {
    RequestQueue queue(loop, controller);
    ASSERT_TRUE(queue.submit(operator_request("off"), replies.to("off")));
    ASSERT_TRUE(controller.wait_started(1));
    ASSERT_TRUE(queue.submit(operator_request("on"), replies.to("on")));
  }
  ASSERT_TRUE(replies.wait(1));
  EXPECT_EQ(replies.got[0], std::make_pair(std::string("on"), 503));
  controller.open();
  loop.run_sync([] {});
}

TEST_F(GatedQueue, WhenTheLifecycleStopsWaitingAndLaterRequestsGet503AtOnce) {
  ASSERT_TRUE(queue.submit(operator_request("off"), replies.to("off")));
  ASSERT_TRUE(controller.wait_started(1));
  ASSERT_TRUE(queue.submit(leader_request("check"), replies.to("check")));
  loop.stop();  // while `off` runs: the task for `check` is dropped
  ASSERT_TRUE(replies.wait(1));
  controller.open();
  ASSERT_TRUE(replies.wait(2));
  // Stopped: anything new will never run either.
  ASSERT_TRUE(queue.submit(operator_request("on"), replies.to("on")));
  ASSERT_TRUE(replies.wait(3));
  std::lock_guard<std::mutex> lock(replies.mu);
  EXPECT_EQ(replies.got[0], std::make_pair(std::string("check"), 503));
  EXPECT_EQ(replies.got[1], std::make_pair(std::string("off"), 200));
  EXPECT_EQ(replies.got[2], std::make_pair(std::string("on"), 503));
  EXPECT_EQ(controller.ran(), std::vector<std::string>{"off"});
}

TEST_F(GatedQueue, BlockingCallAnswers408AtItsTimeout) {
  ASSERT_TRUE(queue.submit(operator_request("off"), replies.to("off")));
  ASSERT_TRUE(controller.wait_started(1));
  EXPECT_EQ(queue.call(operator_request("on"), 50ms).code, 408);
  controller.open();
  ASSERT_TRUE(replies.wait(1));
  EXPECT_EQ(queue.call(operator_request("kill"), 5s).code, 200);
  EXPECT_EQ(controller.ran(), (std::vector<std::string>{"off", "kill"}));
}

// A controller whose `on` answers later, as PipedController's does while it
// waits for readiness: the reply is kept until the test releases it.
class DeferringController : public Controller {
 public:
  ControlReply handle(const ControlRequest& request) override {
    ran.push_back(request.task);  // lifecycle thread only
    return ControlReply{200, {}};
  }
  void handle_async(const ControlRequest& request, Done done) override {
    if (request.task != "on") return done(handle(request));
    ran.push_back("on (waiting)");
    deadline = request.deadline;
    later = std::move(done);
  }
  void shutdown(std::chrono::steady_clock::time_point) override {}
  std::vector<std::string> ran;
  Done later;
  std::chrono::steady_clock::time_point deadline;
};

TEST(RequestQueue, AReplyThatWaitsHoldsTheNextRequestButNotTheLoop) {
  EventLoop loop("lifecycle");
  DeferringController controller;
  RequestQueue queue(loop, controller);
  Replies replies;
  const auto before = std::chrono::steady_clock::now();
  // serve_control sets the deadline from the URL's timeout; call() does too.
  std::thread caller([&] { replies.to("on")(queue.call(operator_request("on"), 30s)); });
  // The loop still runs other work while `on` waits...
  ASSERT_TRUE(test::wait_until(
      [&] {
        bool waiting = false;
        loop.run_sync([&] { waiting = static_cast<bool>(controller.later); });
        return waiting;
      },
      5s, "on reaching the controller"));
  ASSERT_TRUE(queue.submit(operator_request("off"), replies.to("off")));
  // The loop runs tasks in order: off's turn has come by the time this runs.
  std::vector<std::string> ran;
  loop.run_sync([&] { ran = controller.ran; });
  // ...but `off` has not started: requests stay serialized.
  EXPECT_EQ(ran, (std::vector<std::string>{"on (waiting)"}));
  EXPECT_GE(controller.deadline, before + 29s);
  EXPECT_LE(controller.deadline, std::chrono::steady_clock::now() + 30s);
  loop.post([&] { controller.later(ControlReply{200, {}}); });
  ASSERT_TRUE(replies.wait(2));
  caller.join();
  loop.run_sync([&] { ran = controller.ran; });
  EXPECT_EQ(ran, (std::vector<std::string>{"on (waiting)", "off"}));
  // The caller's thread records on's reply: it may land after off's.
  std::lock_guard<std::mutex> lock(replies.mu);
  std::sort(replies.got.begin(), replies.got.end());
  EXPECT_EQ(replies.got, (std::vector<std::pair<std::string, int>>{{"off", 200}, {"on", 200}}));
}

}  // namespace
}  // namespace ochopod
