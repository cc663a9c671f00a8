#include "ochopod/request_queue.h"

#include <spdlog/spdlog.h>

#include <future>
#include <memory>

namespace ochopod {

RequestQueue::RequestQueue(EventLoop& lifecycle, Controller& controller)
    : loop_(lifecycle), controller_(controller) {}

ControlReply RequestQueue::call(ControlRequest request, std::chrono::duration<double> timeout) {
  auto promise = std::make_shared<std::promise<ControlReply>>();
  auto future = promise->get_future();
  const std::string task = request.task;
  loop_.post([this, promise, request = std::move(request)] {
    ControlReply reply;
    try {
      reply = controller_.handle(request);
    } catch (const std::exception& e) {
      spdlog::error("control/{} failed unexpectedly: {}", request.task, e.what());
      reply.code = 500;
    }
    promise->set_value(std::move(reply));
  });
  // The task alone owns the promise now: if the loop drops it (shutdown), the
  // promise breaks and we answer at once instead of waiting out the timeout.
  promise.reset();
  if (future.wait_for(timeout) != std::future_status::ready) {
    spdlog::warn("control/{} not done within {:.1f} s: 408 (it still runs)", task, timeout.count());
    return ControlReply{408, nlohmann::json::object()};
  }
  try {
    return future.get();
  } catch (const std::future_error&) {
    // The loop dropped it: the pod is shutting down.
    return ControlReply{503, nlohmann::json::object()};
  }
}

}  // namespace ochopod
