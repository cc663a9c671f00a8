#include "models/child/child_output.h"

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

#include "runtime/base/text.h"
#include "runtime/pod/log.h"

namespace ochopod::detail {

namespace {
// Once stopping, a grandchild that never stops writing must not hold us.
constexpr size_t kMaxDrain = 1024 * 1024;
}  // namespace

void LineSplitter::feed(const char* data, size_t size) {
  buffer_.append(data, size);
  size_t start = 0;
  for (size_t nl; (nl = buffer_.find('\n', start)) != std::string::npos; start = nl + 1) {
    std::string_view line = std::string_view(buffer_).substr(start, nl - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    while (line.size() > max_line_) line.remove_prefix(emit_piece(line));
    sink_(line);
  }
  buffer_.erase(0, start);
  // An unfinished line is cut only once more than max_line bytes wait, so the
  // cut sees the byte after it and never splits a character in two.
  size_t cut = 0;
  while (buffer_.size() - cut > max_line_) cut += emit_piece(std::string_view(buffer_).substr(cut));
  buffer_.erase(0, cut);
}

void LineSplitter::flush() {
  std::string_view rest(buffer_);
  if (!rest.empty() && rest.back() == '\r') rest.remove_suffix(1);
  while (rest.size() > max_line_) rest.remove_prefix(emit_piece(rest));
  if (!rest.empty()) sink_(rest);
  buffer_.clear();
}

size_t LineSplitter::emit_piece(std::string_view text) {
  const size_t cut = utf8_cut(text, max_line_);
  sink_(text.substr(0, cut));
  return cut;
}

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
  LineSplitter lines([](std::string_view line) { log::child_line(line); });
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
