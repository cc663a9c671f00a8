// RequestQueue: serializes /control requests onto the lifecycle loop
// (LIFECYCLE.md "Requests are serialized").
//
// HTTP threads call call(); the request runs on the lifecycle loop in arrival
// order, through the Controller. The caller waits up to its timeout and gets
// 408 after it; the request still runs to completion.
#pragma once

#include <chrono>

#include "ochopod/control.h"
#include "ochopod/event_loop.h"

namespace ochopod {

class RequestQueue {
 public:
  RequestQueue(EventLoop& lifecycle, Controller& controller);

  ControlReply call(ControlRequest request, std::chrono::duration<double> timeout);

 private:
  EventLoop& loop_;
  Controller& controller_;
};

}  // namespace ochopod
