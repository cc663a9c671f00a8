#include "runtime/control/request_queue.h"

#include <spdlog/spdlog.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>

namespace ochopod {

namespace {

// now + timeout, for ControlRequest::deadline; a timeout past a century
// (the URL may say anything) means never, not an overflow.
std::chrono::steady_clock::time_point deadline_after(std::chrono::duration<double> timeout) {
  if (timeout.count() > 3.2e9) return std::chrono::steady_clock::time_point::max();
  return std::chrono::steady_clock::now() +
         std::chrono::duration_cast<std::chrono::steady_clock::duration>(timeout);
}

}  // namespace

bool RequestQueue::Ticket::expire() {
  int expected = queued;
  if (state_.compare_exchange_strong(expected, expired)) return true;
  // Running: the caller answers 408 now; the reply, when it comes, is dropped.
  expected = running;
  return state_.compare_exchange_strong(expected, expired) || expected == expired;
}

// Everything a task posted to the loop needs lives here, shared by the queue
// and its tasks, so a task that runs (or a reply that comes) after the queue
// is gone never touches the queue object. The loop and the controller must
// outlive the queue's tasks: the pod stops its loop before it drops them.
struct RequestQueue::Lanes {
  Lanes(EventLoop& l, Controller& c, Options o) : loop(l), controller(c), options(o) {}
  EventLoop& loop;
  Controller& controller;
  const Options options;

  // The lanes are shared by the I/O thread (which pushes) and the lifecycle
  // thread (which pops); only mu guards them and `open`.
  std::mutex mu;
  std::deque<std::shared_ptr<Ticket>> leader, operators;
  bool open = true;  // false once the queue is gone: nothing new starts

  // Lifecycle thread only. A request whose reply waits (Controller::
  // handle_async) keeps the queue busy; the turns that came meanwhile are
  // counted and taken once it is done.
  bool busy = false;
  int skipped_turns = 0;
};

// What is posted to the loop for each request. The loop runs it, or drops it
// when it has stopped: then nothing queued will ever run.
struct RequestQueue::Posted {
  std::shared_ptr<Lanes> lanes;
  bool ran = false;
  ~Posted() {
    if (!ran) fail_waiting(*lanes, "the lifecycle stopped");
  }
};

void RequestQueue::fail_waiting(Lanes& lanes, const char* why) {
  std::deque<std::shared_ptr<Ticket>> left;
  {
    std::lock_guard<std::mutex> lock(lanes.mu);
    left.insert(left.end(), lanes.leader.begin(), lanes.leader.end());
    left.insert(left.end(), lanes.operators.begin(), lanes.operators.end());
    lanes.leader.clear();
    lanes.operators.clear();
  }
  for (auto& t : left) {
    int expected = Ticket::queued;
    if (t->state_.compare_exchange_strong(expected, Ticket::done)) {
      spdlog::warn("control/{}: {}: 503", t->request_.task, why);
      t->done_(ControlReply{503, nlohmann::json::object()});
    }
  }
}

RequestQueue::RequestQueue(EventLoop& lifecycle, Controller& controller)
    : RequestQueue(lifecycle, controller, Options{}) {}

RequestQueue::RequestQueue(EventLoop& lifecycle, Controller& controller, Options options)
    : lanes_(std::make_shared<Lanes>(lifecycle, controller, options)) {}

RequestQueue::~RequestQueue() {
  {
    std::lock_guard<std::mutex> lock(lanes_->mu);
    lanes_->open = false;
  }
  fail_waiting(*lanes_, "the pod is stopping");
}

std::shared_ptr<RequestQueue::Ticket> RequestQueue::submit(ControlRequest request, Done done) {
  auto ticket = std::make_shared<Ticket>();
  ticket->leader_ = request.from_leader();
  ticket->request_ = std::move(request);
  ticket->done_ = std::move(done);
  {
    std::lock_guard<std::mutex> lock(lanes_->mu);
    auto& lane = ticket->leader_ ? lanes_->leader : lanes_->operators;
    const size_t cap =
        ticket->leader_ ? lanes_->options.leader_lane : lanes_->options.operator_lane;
    // Tickets whose caller gave up take no place (and no memory).
    std::erase_if(lane, [](const auto& t) {
      if (t->state_.load() != Ticket::expired) return false;
      spdlog::warn("control/{} dropped before it started: its caller already got 408",
                   t->request_.task);
      return true;
    });
    if (lane.size() >= cap) {
      spdlog::warn("control/{}: the {} lane is full ({} waiting): 503", ticket->request_.task,
                   ticket->leader_ ? "leader's" : "operators'", cap);
      return nullptr;
    }
    lane.push_back(ticket);
  }
  // One task per submission: each runs at most one request, so every
  // request gets its turn and none runs twice.
  post_turn(lanes_);
  return ticket;
}

void RequestQueue::post_turn(const std::shared_ptr<Lanes>& lanes) {
  auto posted = std::make_shared<Posted>();
  posted->lanes = lanes;
  lanes->loop.post([posted] {
    posted->ran = true;
    run_next(posted->lanes);
  });
}

void RequestQueue::run_next(const std::shared_ptr<Lanes>& lanes) {
  if (lanes->busy) {
    ++lanes->skipped_turns;
    return;
  }
  std::shared_ptr<Ticket> ticket;
  {
    std::lock_guard<std::mutex> lock(lanes->mu);
    if (!lanes->open) return;
    for (auto* lane : {&lanes->leader, &lanes->operators}) {
      while (!ticket && !lane->empty()) {
        auto next = std::move(lane->front());
        lane->pop_front();
        int expected = Ticket::queued;
        if (next->state_.compare_exchange_strong(expected, Ticket::running)) {
          ticket = std::move(next);
        } else {
          spdlog::warn("control/{} dropped before it started: its caller already got 408",
                       next->request_.task);
        }
      }
    }
  }
  if (!ticket) return;
  lanes->busy = true;
  // The controller may answer later, or (a bug) twice: only the first counts.
  auto answered = std::make_shared<bool>(false);
  auto done = [lanes, ticket, answered](ControlReply reply) {
    if (*answered) return;
    *answered = true;
    finished(lanes, ticket, std::move(reply));
  };
  try {
    lanes->controller.handle_async(ticket->request_, done);
  } catch (const std::exception& e) {
    spdlog::error("control/{} failed unexpectedly: {}", ticket->request_.task, e.what());
    done(ControlReply{500, nlohmann::json::object()});
  }
}

void RequestQueue::finished(const std::shared_ptr<Lanes>& lanes,
                            const std::shared_ptr<Ticket>& ticket, ControlReply reply) {
  int expected = Ticket::running;
  if (ticket->state_.compare_exchange_strong(expected, Ticket::done)) {
    ticket->done_(std::move(reply));
  } else {
    spdlog::info("control/{} completed after its caller got 408 (answer {} dropped)",
                 ticket->request_.task, reply.code);
  }
  lanes->busy = false;
  for (; lanes->skipped_turns > 0; --lanes->skipped_turns) post_turn(lanes);
}

ControlReply RequestQueue::call(ControlRequest request, std::chrono::duration<double> timeout) {
  struct Slot {
    std::mutex mu;
    std::condition_variable cv;
    std::optional<ControlReply> reply;
  };
  auto slot = std::make_shared<Slot>();
  const std::string task = request.task;
  request.deadline = deadline_after(timeout);
  auto ticket = submit(std::move(request), [slot](ControlReply reply) {
    std::lock_guard<std::mutex> lock(slot->mu);
    slot->reply = std::move(reply);
    slot->cv.notify_all();
  });
  if (!ticket) return ControlReply{503, nlohmann::json::object()};
  std::unique_lock<std::mutex> lock(slot->mu);
  if (slot->cv.wait_for(lock, timeout, [&] { return slot->reply.has_value(); })) {
    return std::move(*slot->reply);
  }
  lock.unlock();
  if (ticket->expire()) {
    spdlog::warn("control/{} not done within {:.1f} s: 408", task, timeout.count());
    return ControlReply{408, nlohmann::json::object()};
  }
  lock.lock();
  slot->cv.wait(lock, [&] { return slot->reply.has_value(); });
  return std::move(*slot->reply);
}

std::function<void(ControlRequest, std::chrono::duration<double>, Responder)> serve_control(
    RequestQueue& queue) {
  return
      [&queue](ControlRequest request, std::chrono::duration<double> timeout, Responder responder) {
        const std::string task = request.task;
        request.deadline = deadline_after(timeout);
        auto ticket = queue.submit(std::move(request),
                                   [responder](ControlReply reply) { responder.reply(reply); });
        if (!ticket) return responder.reply(503);
        responder.after(timeout, [ticket, responder, task, timeout] {
          if (!ticket->expire()) return;
          spdlog::warn("control/{} not done within {:.1f} s: 408", task, timeout.count());
          responder.reply(408);
        });
      };
}

}  // namespace ochopod
