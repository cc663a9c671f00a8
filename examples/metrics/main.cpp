// metrics: sanity_check() reports the child's uptime every second; /info
// shows it under "metrics".
#include <fmt/format.h>
#include <ochopod/ochopod.h>

#include <chrono>
#include <string>

class Strategy : public ochopod::Piped {
 public:
  Strategy() { check_every = std::chrono::seconds(1); }

  ochopod::Configuration configure(const ochopod::Cluster&) override {
    started_ = std::chrono::steady_clock::now();
    return {"sleep 3600"};
  }

  std::optional<nlohmann::json> sanity_check(const ochopod::Process& process) override {
    const double minutes =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count() / 60;
    return nlohmann::json{{"uptime", fmt::format("{:.2f} minutes (pid {})", minutes, process.pid)}};
  }

 private:
  std::chrono::steady_clock::time_point started_;
};

int main() { return ochopod::boot<Strategy>(); }
