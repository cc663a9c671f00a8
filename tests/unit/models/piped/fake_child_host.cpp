#include "fake_child_host.h"

#include <signal.h>

#include <cerrno>
#include <stdexcept>
#include <utility>

namespace ochopod::test {

detail::Spawned FakeChildHost::spawn(const detail::SpawnRequest& request, Reaper::OnExit on_exit) {
  if (refuse_spawn) throw std::runtime_error("cannot start '" + request.argv.at(0) + "'");
  Child child;
  child.pid = next_pid_++;
  child.request = request;
  child.on_exit = std::move(on_exit);
  child.lingering = lingering;
  children_.push_back(std::move(child));
  detail::Spawned spawned;
  spawned.pid = children_.back().pid;
  return spawned;
}

FakeChildHost::Child* FakeChildHost::find(pid_t pid) {
  for (auto& child : children_) {
    if (child.pid == pid) return &child;
  }
  return nullptr;
}

const FakeChildHost::Child* FakeChildHost::child(pid_t pid) const {
  for (const auto& child : children_) {
    if (child.pid == pid) return &child;
  }
  return nullptr;
}

bool FakeChildHost::signal_group(pid_t pgid, int signo) {
  signals_.push_back({pgid, signo, true});
  Child* child = find(pgid);
  if (child == nullptr || !child->group_alive) {
    errno = ESRCH;
    return false;
  }
  if (signo == SIGKILL) {
    child->group_alive = false;
    if (!child->exited) exit(pgid, SIGKILL);
    return true;
  }
  if (on_signal) on_signal(pgid, signo);
  return true;
}

bool FakeChildHost::signal_process(pid_t pid, int signo) {
  signals_.push_back({pid, signo, false});
  Child* child = find(pid);
  if (child == nullptr || child->exited) {
    errno = ESRCH;
    return false;
  }
  if (signo == SIGKILL) {
    exit(pid, SIGKILL);
  } else if (on_signal) {
    on_signal(pid, signo);
  }
  return true;
}

bool FakeChildHost::group_alive(pid_t pgid) {
  const Child* child = find(pgid);
  return child != nullptr && child->group_alive;
}

FakeChildHost::Clock::time_point FakeChildHost::wait_until(std::unique_lock<std::mutex>& lock,
                                                           std::condition_variable&,
                                                           Clock::time_point until) {
  ++waits;
  waited_until = until;
  if (on_wait) {
    lock.unlock();
    on_wait(until);
    lock.lock();
  }
  return until;
}

void FakeChildHost::exit(pid_t pid, int wait_status) {
  Child* child = find(pid);
  if (child == nullptr || child->exited) return;
  child->exited = true;
  if (!child->lingering) child->group_alive = false;
  // A copy: on_exit may spawn the next child, which moves the vector.
  const Reaper::OnExit on_exit = child->on_exit;
  on_exit(pid, wait_status);
}

std::vector<int> FakeChildHost::signals_to(pid_t pid) const {
  std::vector<int> out;
  for (const auto& signal : signals_) {
    if (signal.pid == pid) out.push_back(signal.signo);
  }
  return out;
}

}  // namespace ochopod::test
