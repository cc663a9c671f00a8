#include "child_output.h"

#include <poll.h>
#include <pthread.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>

namespace ochopod::detail {

namespace {

// Longer lines are logged in pieces rather than buffered without bound.
constexpr size_t kMaxLine = 16 * 1024;
constexpr size_t kMaxDrain = 1024 * 1024;

class LineSplitter {
 public:
  void feed(const char* data, size_t size) {
    buffer_.append(data, size);
    size_t start = 0;
    for (size_t nl; (nl = buffer_.find('\n', start)) != std::string::npos; start = nl + 1) {
      // A line's end can arrive in the read that takes it past the cap: cut
      // it here too (its CR of CRLF first, so it does not become a piece).
      size_t end = nl > start && buffer_[nl - 1] == '\r' ? nl - 1 : nl;
      for (; end - start > kMaxLine; start += kMaxLine) emit(buffer_.substr(start, kMaxLine));
      emit(buffer_.substr(start, end - start));
    }
    buffer_.erase(0, start);
    while (buffer_.size() >= kMaxLine) {
      emit(buffer_.substr(0, kMaxLine));
      buffer_.erase(0, kMaxLine);
    }
  }
  void flush() {
    if (!buffer_.empty()) emit(buffer_);
    buffer_.clear();
  }

 private:
  static void emit(std::string line) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    spdlog::info("[child] {}", line);
  }
  std::string buffer_;
};

}  // namespace

ChildOutput::ChildOutput(UniqueFd pipe)
    : pipe_(std::move(pipe)), wake_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
  if (!wake_) throw std::runtime_error(std::string("eventfd failed: ") + std::strerror(errno));
  thread_ = std::thread([this] { run(); });
}

ChildOutput::~ChildOutput() { stop(); }

void ChildOutput::stop() {
  if (!thread_.joinable()) return;
  const uint64_t one = 1;
  if (::write(wake_.get(), &one, sizeof one) < 0) {
    spdlog::warn("child-output: wake-up failed: {}", std::strerror(errno));
  }
  thread_.join();
}

void ChildOutput::run() {
  pthread_setname_np(pthread_self(), "child-output");
  LineSplitter lines;
  char buf[4096];
  bool stopping = false;
  size_t drained = 0;  // once stopping: a grandchild that never stops writing must not hold us
  for (;;) {
    pollfd fds[2] = {{pipe_.get(), POLLIN, 0}, {wake_.get(), POLLIN, 0}};
    if (!stopping && ::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      spdlog::error("child-output: poll failed: {}", std::strerror(errno));
      break;
    }
    if (fds[1].revents & POLLIN) stopping = true;
    const ssize_t n = ::read(pipe_.get(), buf, sizeof buf);
    if (n > 0) {
      lines.feed(buf, static_cast<size_t>(n));
      if (stopping && (drained += static_cast<size_t>(n)) > kMaxDrain) break;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN && !stopping) continue;
    break;  // EOF, error, or asked to stop and the pipe holds nothing more
  }
  lines.flush();
}

}  // namespace ochopod::detail
