#include "models/child/child_output.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <spdlog/spdlog.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <utility>

#include "runtime/base/text.h"
#include "runtime/pod/log.h"

namespace ochopod::detail {

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

namespace {
// Once stopping, a grandchild that never stops writing must not hold us.
constexpr size_t kMaxDrain = 1024 * 1024;
// The eventfd's key in the epoll set; a source's is id * 2 + stream.
constexpr uint64_t kWakeKey = ~uint64_t{0};

const char* stream_name(log::Stream stream) {
  return stream == log::Stream::kStdout ? "stdout" : "stderr";
}
}  // namespace

OutputReader::OutputReader(Sink sink)
    : sink_(std::move(sink)),
      epoll_(::epoll_create1(EPOLL_CLOEXEC)),
      wake_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)),
      buffer_(64 * 1024) {
  if (!epoll_) {
    throw std::runtime_error(std::string("epoll_create1 failed: ") + std::strerror(errno));
  }
  if (!wake_) throw std::runtime_error(std::string("eventfd failed: ") + std::strerror(errno));
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.u64 = kWakeKey;
  if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, wake_.get(), &event) != 0) {
    throw std::runtime_error(std::string("epoll_ctl failed: ") + std::strerror(errno));
  }
}

OutputReader::~OutputReader() {
  std::lock_guard<std::mutex> control(control_mu_);
  stop_thread();
}

OutputReader& OutputReader::shared() {
  // Constructed after the log's own statics, so destroyed (its thread
  // joined) before them.
  static OutputReader reader([](log::Stream stream, std::string_view tag, std::string_view line) {
    log::child_line(line, tag, stream);
  });
  return reader;
}

OutputReader::Id OutputReader::add(UniqueFd out, UniqueFd err, std::string tag) {
  std::lock_guard<std::mutex> control(control_mu_);
  if (!thread_.joinable()) {
    thread_ = std::thread([this] { run(); });  // std::system_error is a std::runtime_error
    // Named here rather than by itself: named once add() returns.
    pthread_setname_np(thread_.native_handle(), "child-output");
  }
  const Id id = next_id_++;
  ++registered_;
  post(Command{Command::Kind::kAdd, id, std::move(out), std::move(err), std::move(tag)});
  return id;
}

void OutputReader::remove(Id id) {
  std::lock_guard<std::mutex> control(control_mu_);
  if (!thread_.joinable()) return;  // not ours: nothing reads it
  post(Command{Command::Kind::kRemove, id, {}, {}, {}});
  {
    std::unique_lock<std::mutex> lock(mu_);
    removed_cv_.wait(lock, [&] { return removed_.count(id) > 0; });
    removed_.erase(id);
  }
  if (registered_ > 0 && --registered_ == 0) stop_thread();
}

void OutputReader::stop_thread() {
  if (!thread_.joinable()) return;
  post(Command{Command::Kind::kQuit, 0, {}, {}, {}});
  thread_.join();
}

void OutputReader::post(Command command) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    commands_.push_back(std::move(command));
  }
  const uint64_t one = 1;
  // Only an overflowing counter fails, and then a wake-up is pending anyway.
  if (::write(wake_.get(), &one, sizeof one) < 0 && errno != EAGAIN) {
    spdlog::warn("child-output: wake-up failed: {}", std::strerror(errno));
  }
}

void OutputReader::run() {
  constexpr int kEvents = 16;
  epoll_event events[kEvents];
  for (;;) {
    int n = ::epoll_wait(epoll_.get(), events, kEvents, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      spdlog::error("child-output: epoll_wait failed: {}", std::strerror(errno));
      // The commands still come: wait for them on the eventfd alone.
      pollfd wake{wake_.get(), POLLIN, 0};
      ::poll(&wake, 1, -1);
      n = 0;
    }
    for (int i = 0; i < n; ++i) {
      const uint64_t key = events[i].data.u64;
      if (key == kWakeKey) {
        uint64_t count = 0;
        if (::read(wake_.get(), &count, sizeof count) < 0 && errno != EAGAIN) {
          spdlog::warn("child-output: reading the wake-up failed: {}", std::strerror(errno));
        }
        continue;
      }
      auto it = sources_.find(key);
      // One read per ready pipe and round: a chatty child cannot starve the others.
      if (it != sources_.end() && it->second.fd && !read_once(it->second)) end(it->second);
    }
    if (!take_commands()) break;
  }
  sources_.clear();
}

bool OutputReader::take_commands() {
  std::deque<Command> commands;
  {
    std::lock_guard<std::mutex> lock(mu_);
    commands.swap(commands_);
  }
  for (auto& command : commands) {
    switch (command.kind) {
      case Command::Kind::kAdd:
        watch(command.id, log::Stream::kStdout, std::move(command.out), command.tag);
        watch(command.id, log::Stream::kStderr, std::move(command.err), command.tag);
        break;
      case Command::Kind::kRemove:
        for (const uint64_t key : {command.id * 2, command.id * 2 + 1}) {
          auto it = sources_.find(key);
          if (it == sources_.end()) continue;
          drain(it->second);
          sources_.erase(it);
        }
        {
          std::lock_guard<std::mutex> lock(mu_);
          removed_.insert(command.id);
        }
        removed_cv_.notify_all();
        break;
      case Command::Kind::kQuit:
        return false;
    }
  }
  return true;
}

void OutputReader::watch(Id id, log::Stream stream, UniqueFd fd, const std::string& tag) {
  if (!fd) return;
  // Drains read until EAGAIN: a blocking pipe (a test's) would hold them.
  const int flags = ::fcntl(fd.get(), F_GETFL);
  if (flags < 0 || ::fcntl(fd.get(), F_SETFL, flags | O_NONBLOCK) != 0) {
    spdlog::error("child-output: cannot read {}'s {}: {}; its output is lost", tag,
                  stream_name(stream), std::strerror(errno));
    return;
  }
  const uint64_t key = id * 2 + (stream == log::Stream::kStderr ? 1 : 0);
  LineSplitter lines(
      [sink = &sink_, stream, tag](std::string_view line) { (*sink)(stream, tag, line); });
  auto [it, inserted] =
      sources_.emplace(key, Source{id, stream, tag, std::move(fd), std::move(lines)});
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.u64 = key;
  if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, it->second.fd.get(), &event) != 0) {
    spdlog::error("child-output: cannot watch {}'s {}: {}; its output is lost", tag,
                  stream_name(stream), std::strerror(errno));
    sources_.erase(it);
  }
}

bool OutputReader::read_once(Source& source) {
  const ssize_t n = ::read(source.fd.get(), buffer_.data(), buffer_.size());
  if (n > 0) {
    source.lines.feed(buffer_.data(), static_cast<size_t>(n));
    return true;
  }
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return true;
  if (n < 0) {
    spdlog::warn("child-output: reading {}'s {} failed: {}", source.tag, stream_name(source.stream),
                 std::strerror(errno));
  }
  return false;  // EOF, or an error that would repeat
}

void OutputReader::drain(Source& source) {
  size_t drained = 0;
  while (source.fd && drained <= kMaxDrain) {
    const ssize_t n = ::read(source.fd.get(), buffer_.data(), buffer_.size());
    if (n > 0) {
      source.lines.feed(buffer_.data(), static_cast<size_t>(n));
      drained += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno != EAGAIN) {
      spdlog::warn("child-output: reading {}'s {} failed: {}", source.tag,
                   stream_name(source.stream), std::strerror(errno));
    }
    break;  // EOF, or what the pipe holds now is read
  }
  end(source);
}

void OutputReader::end(Source& source) {
  if (!source.fd) return;
  source.lines.flush();
  if (::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, source.fd.get(), nullptr) != 0) {
    spdlog::warn("child-output: unwatching {}'s {} failed: {}", source.tag,
                 stream_name(source.stream), std::strerror(errno));
  }
  source.fd.reset();
}

ChildOutput::ChildOutput(UniqueFd out, UniqueFd err, std::string tag, OutputReader& reader)
    : reader_(reader) {
  if (out || err) id_ = reader_.add(std::move(out), std::move(err), std::move(tag));
}

ChildOutput::~ChildOutput() { stop(); }

void ChildOutput::stop() {
  if (id_ != 0) reader_.remove(std::exchange(id_, 0));
}

}  // namespace ochopod::detail
