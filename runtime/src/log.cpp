#include "ochopod/log.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/prctl.h>

#include <cstring>
#include <deque>
#include <memory>
#include <mutex>

#include "ochopod/text.h"

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

std::shared_ptr<ByteRingSink> ring() {
  static auto sink = std::make_shared<ByteRingSink>();
  return sink;
}

}  // namespace

void setup(const Options& options) {
  auto ring_sink = ring();
  ring_sink->set_budget(options.ring_bytes);
  std::vector<spdlog::sink_ptr> sinks{ring_sink};
  if (options.console) sinks.push_back(std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
  if (!options.file.empty()) {
    sinks.push_back(
        std::make_shared<spdlog::sinks::rotating_file_sink_mt>(options.file, 1 << 20, 3));
  }
  auto logger = std::make_shared<spdlog::logger>("ochopod", sinks.begin(), sinks.end());
  auto formatter = std::make_unique<spdlog::pattern_formatter>();
  formatter->add_flag<ThreadNameFlag>('N').set_pattern("%Y-%m-%d %H:%M:%S.%e %^%L%$ [%N] %v");
  logger->set_formatter(std::move(formatter));
  const auto level = options.debug ? spdlog::level::debug : spdlog::level::info;
  logger->set_level(level);
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
}

std::vector<std::string> recent() { return ring()->lines(); }

}  // namespace ochopod::log
