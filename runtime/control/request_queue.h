// RequestQueue: serializes /control requests onto the lifecycle loop
// (docs/lifecycle.md "Requests are serialized").
//
// The control server's I/O thread submits a request and is called back when
// it is done; it never blocks. Requests run on the lifecycle loop one at a
// time, through the Controller: the leader's lane (requests carrying a
// configuration payload) first, then the operators' lane, each in arrival
// order. Each lane is bounded: a full lane refuses the request (503), so
// operators flooding theirs never keep the leader's requests out.
//
// The caller owns the timeout: when it passes it calls Ticket::expire() and
// answers 408. A request still queued then is dropped before it starts (and
// logged); one already running completes, its reply is discarded.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>

#include "runtime/base/event_loop.h"
#include "runtime/control/request.h"
#include "runtime/control/server.h"

namespace ochopod {

class RequestQueue {
 public:
  struct Options {
    size_t leader_lane = 8;    // waiting requests with a configuration payload
    size_t operator_lane = 8;  // waiting requests of anyone else
  };
  // Called at most once, on the lifecycle thread (or in ~RequestQueue with
  // 503), unless the ticket expired first.
  using Done = std::function<void(ControlReply)>;

  class Ticket {
   public:
    // The caller's timeout passed: true if the caller must answer 408 now
    // (the request is dropped if it has not started), false if the reply
    // was already delivered.
    bool expire();

   private:
    friend class RequestQueue;
    enum State { queued, running, done, expired };
    std::atomic<int> state_{queued};
    ControlRequest request_;
    Done done_;
    bool leader_ = false;
  };

  RequestQueue(EventLoop& lifecycle, Controller& controller);
  RequestQueue(EventLoop& lifecycle, Controller& controller, Options options);
  ~RequestQueue();  // answers 503 to whatever still waits

  // Queues request; nullptr when its lane is full (the caller answers 503).
  std::shared_ptr<Ticket> submit(ControlRequest request, Done done);

  // Blocking form for callers on their own thread (tests, tools): waits up to
  // timeout, then expires the ticket and answers 408.
  ControlReply call(ControlRequest request, std::chrono::duration<double> timeout);

 private:
  struct Lanes;
  struct Posted;
  // The tasks and replies below hold the Lanes, never the queue, which may be
  // gone by the time they run.
  static void fail_waiting(Lanes& lanes, const char* why);
  static void post_turn(const std::shared_ptr<Lanes>& lanes);  // one run_next on the loop
  // On the lifecycle loop: one live request, if any.
  static void run_next(const std::shared_ptr<Lanes>& lanes);
  static void finished(const std::shared_ptr<Lanes>& lanes, const std::shared_ptr<Ticket>& ticket,
                       ControlReply reply);

  // Shared with the tasks posted to the loop: a task the loop drops (it
  // stopped) answers 503 to what waits instead of leaving callers to their
  // timeouts, and a task run after the queue is gone does nothing.
  std::shared_ptr<Lanes> lanes_;
};

// The /control handler of a pod: 503 when the request's lane is full, 408
// when its timeout passes first (the request then dropped if still queued).
std::function<void(ControlRequest, std::chrono::duration<double>, Responder)> serve_control(
    RequestQueue& queue);

}  // namespace ochopod
