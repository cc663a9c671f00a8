#include "runtime/pod/log.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/prctl.h>

#include <atomic>
#include <cstring>
#include <ctime>
#include <deque>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>

#include "runtime/base/text.h"

namespace ochopod::log {

namespace {

// Keeps the newest lines within a byte budget (spdlog's ringbuffer counts
// messages, and one huge child line would otherwise evict everything).
class ByteRingSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  void set_budget(size_t bytes) {
    std::lock_guard<std::mutex> lock(mutex_);
    budget_ = bytes;
    trim();
  }
  std::vector<std::string> lines() {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<std::string> out;
    out.reserve(lines_.size());
    for (const auto& line : lines_) out.push_back(line + '\n');
    return out;
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t formatted;
    formatter_->format(msg, formatted);
    std::string line(formatted.data(), formatted.size());
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
    if (line.size() > budget_) line.resize(utf8_cut(line, budget_));
    bytes_ += line.size();
    lines_.push_back(std::move(line));
    trim();
  }
  void flush_() override {}

 private:
  void trim() {
    while (bytes_ > budget_ && !lines_.empty()) {
      bytes_ -= lines_.front().size();
      lines_.pop_front();
    }
  }
  size_t budget_ = 32 * 1024;
  size_t bytes_ = 0;
  std::deque<std::string> lines_;
};

// %N: the logging thread's name (coordinator, lifecycle, http...), which says
// more than a thread id. The logger is synchronous, so it is the caller's.
class ThreadNameFlag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg&, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    char name[16] = {};
    if (::prctl(PR_GET_NAME, name) != 0) name[0] = '?';
    dest.append(name, name + std::strlen(name));
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return spdlog::details::make_unique<ThreadNameFlag>();
  }
};

std::string thread_name() {
  char name[16] = {};
  if (::prctl(PR_GET_NAME, name) != 0) return "?";
  return name;
}

constexpr char kChildLogger[] = "child";
std::atomic<int64_t> g_seq{-1};  // -1: not registered yet

// What child_line() knows of the line it logs and spdlog's message cannot
// carry: set around the call on the logging thread, read by PodFormatter on
// the same thread (the logger is synchronous).
struct ChildLine {
  std::string_view tag;
  Stream stream;
};
thread_local const ChildLine* t_child_line = nullptr;

// Text: the pattern, with a child's lines prefixed "[child] ". Json: one
// object a line. One formatter per sink (spdlog formats per sink), shared by
// both loggers, so it tells a child's line by its logger's name.
class PodFormatter final : public spdlog::formatter {
 public:
  PodFormatter(Format format, std::string cluster, std::string ns)
      : format_(format), cluster_(std::move(cluster)), ns_(std::move(ns)) {
    auto pattern = std::make_unique<spdlog::pattern_formatter>();
    pattern->add_flag<ThreadNameFlag>('N').set_pattern("%Y-%m-%d %H:%M:%S.%e %^%L%$ [%N] %v");
    text_ = std::move(pattern);
  }

  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    const bool child = msg.logger_name == kChildLogger;
    const ChildLine plain{"child", Stream::kStderr};
    const ChildLine& about = t_child_line != nullptr ? *t_child_line : plain;
    if (format_ == Format::kText) {
      if (!child) return text_->format(msg, dest);
      std::string line = "[";
      line.append(about.tag).append("] ");
      line.append(msg.payload.data(), msg.payload.size());
      spdlog::details::log_msg copy = msg;
      copy.payload = line;
      return text_->format(copy, dest);
    }
    nlohmann::ordered_json j;
    j["time"] = utc(msg.time);
    const auto level = spdlog::level::to_string_view(msg.level);
    j["level"] = std::string(level.data(), level.size());
    j["thread"] = thread_name();  // the logger is synchronous: the caller's
    j["message"] = std::string(msg.payload.data(), msg.payload.size());
    j["cluster"] = cluster_;
    j["namespace"] = ns_;
    if (const int64_t seq = g_seq.load(); seq >= 0) j["seq"] = seq;
    if (child) {
      j["stream"] = about.stream == Stream::kStdout ? "stdout" : "stderr";
      j["source"] = std::string(about.tag);
    }
    // A child's bytes may be anything: never an exception, never two lines.
    const std::string text =
        j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
    dest.append(text.data(), text.data() + text.size());
    dest.push_back('\n');
  }

  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<PodFormatter>(format_, cluster_, ns_);
  }

 private:
  // RFC 3339, UTC, milliseconds: what shippers parse without a hint.
  static std::string utc(spdlog::log_clock::time_point t) {
    const auto since = t.time_since_epoch();
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(since);
    const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(since - seconds);
    const std::time_t tt = static_cast<std::time_t>(seconds.count());
    std::tm tm{};
    ::gmtime_r(&tt, &tm);
    char buf[40];
    const size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    return std::string(buf, n) + fmt::format(".{:03d}Z", millis.count());
  }

  Format format_;
  std::string cluster_, ns_;
  std::unique_ptr<spdlog::formatter> text_;
};

std::shared_ptr<ByteRingSink> ring() {
  static auto sink = std::make_shared<ByteRingSink>();
  return sink;
}

// The child loggers, one per stream, replaced by setup(); read by the
// child-output thread.
std::mutex g_child_mu;
std::shared_ptr<spdlog::logger> g_child_out, g_child_err;  // under g_child_mu

}  // namespace

std::optional<Format> parse_format(std::string_view name) {
  for (size_t i = 0; i < kFormatNames.size(); ++i) {
    if (name == kFormatNames[i]) return static_cast<Format>(i);
  }
  return std::nullopt;
}

void set_seq(int64_t seq) { g_seq = seq; }

void child_line(std::string_view line, std::string_view tag, Stream stream) {
  std::shared_ptr<spdlog::logger> logger;
  {
    std::lock_guard<std::mutex> lock(g_child_mu);
    logger = stream == Stream::kStdout ? g_child_out : g_child_err;
  }
  if (!logger) {
    spdlog::info("[{}] {}", tag, line);  // no setup(): a test of the pieces
    return;
  }
  // Each sink writes the line whole under its lock; the two console sinks
  // share spdlog's console mutex, so a child's stdout and stderr lines and
  // the pod's own never mix within a line on a shared terminal.
  const ChildLine about{tag, stream};
  t_child_line = &about;
  logger->info("{}", line);
  t_child_line = nullptr;
}

void setup(const Options& options) {
  auto ring_sink = ring();
  ring_sink->set_budget(options.ring_bytes);
  // Per sink, never through the loggers (which would give every sink theirs).
  ring_sink->set_formatter(std::make_unique<PodFormatter>(Format::kText, "", ""));
  auto formatted = [&](spdlog::sink_ptr sink) {
    sink->set_formatter(
        std::make_unique<PodFormatter>(options.format, options.cluster, options.ns));
    return sink;
  };
  // The ring, the file and the extra sinks, which every logger shares.
  std::vector<spdlog::sink_ptr> shared{ring_sink};
  if (!options.file.empty()) {
    shared.push_back(formatted(
        std::make_shared<spdlog::sinks::rotating_file_sink_mt>(options.file, 1 << 20, 3)));
  }
  shared.insert(shared.end(), options.extra_sinks.begin(), options.extra_sinks.end());
  const auto level = options.debug ? spdlog::level::debug : spdlog::level::info;
  auto make = [&](const char* name, spdlog::sink_ptr console) {
    std::vector<spdlog::sink_ptr> sinks = shared;
    if (console) sinks.insert(sinks.begin() + 1, std::move(console));
    auto logger = std::make_shared<spdlog::logger>(name, sinks.begin(), sinks.end());
    logger->set_level(level);
    logger->flush_on(spdlog::level::info);
    return logger;
  };
  spdlog::sink_ptr err_console, out_console;
  if (options.console) {
    err_console = formatted(std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
    out_console = formatted(std::make_shared<spdlog::sinks::stdout_color_sink_mt>());
  }
  auto child_out = make(kChildLogger, out_console);
  auto child_err = make(kChildLogger, err_console);
  spdlog::set_default_logger(make("ochopod", err_console));
  std::lock_guard<std::mutex> lock(g_child_mu);
  g_child_out = std::move(child_out);
  g_child_err = std::move(child_err);
}

std::vector<std::string> recent() { return ring()->lines(); }

}  // namespace ochopod::log
