// A C++ pod for the integration tests, written the way a user would (boot()
// with a Piped subclass), whose callbacks misbehave on demand:
//   TEST_GATE=<file>          can_configure() throws until <file> exists
//   TEST_CONFIGURE_DELAY_MS=n configure() takes n ms
//   TEST_STRICT=1             Piped::strict (configure() runs at every round)
//   TEST_DAMPER=<seconds>     the Reactive damper
//   TEST_SEQUENTIAL=1         Reactive::sequential
//   TEST_FULL_SHUTDOWN=1      Reactive::full_shutdown
//   TEST_SUBPROCESSES=1       sanity_check() runs pclose(popen("true")) and
//                             std::system("exit 3") 100 times each, and
//                             run_shell_command("exit 5") once; the counts of
//                             right answers become the metrics
//   TEST_CHECK_EVERY=<s>      Piped::check_every
// It runs `sleep 3600`, linking $OCHOPOD_CLUSTER into $TEST_OUT/<port>.json.
#include <ochopod/ochopod.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <thread>

namespace {

std::string env(const char* name, const char* fallback = "") {
  const char* v = std::getenv(name);
  return v ? v : fallback;
}

class TestStrategy : public ochopod::Piped {
 public:
  TestStrategy() {
    shell = true;
    grace = std::chrono::duration<double>(2.0);
    strict = env("TEST_STRICT") == "1";
    subprocesses_ = env("TEST_SUBPROCESSES") == "1";
    if (!env("TEST_CHECK_EVERY").empty()) {
      check_every = std::chrono::duration<double>(std::atof(env("TEST_CHECK_EVERY").c_str()));
    }
  }

  std::optional<nlohmann::json> sanity_check(const ochopod::Process&) override {
    if (!subprocesses_) return std::nullopt;
    int popen_ok = 0, system_ok = 0;
    for (int i = 0; i < 100; ++i) {
      FILE* f = ::popen("true", "r");
      const int status = f ? ::pclose(f) : -1;
      if (status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0) ++popen_ok;
    }
    for (int i = 0; i < 100; ++i) {
      const int status = std::system("exit 3");
      if (status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 3) ++system_ok;
    }
    const auto result = ochopod::run_shell_command("exit 5", std::chrono::seconds(5));
    const bool api_ok = WIFEXITED(result.wait_status) && WEXITSTATUS(result.wait_status) == 5;
    return nlohmann::json{{"popen_ok", popen_ok},
                          {"system_ok", system_ok},
                          {"api_ok", api_ok},
                          {"checks", ++checks_}};
  }

  void can_configure(const ochopod::Cluster&) override {
    const std::string gate = env("TEST_GATE");
    if (!gate.empty() && ::access(gate.c_str(), F_OK) != 0) {
      throw std::runtime_error("gate " + gate + " is closed");
    }
  }

  ochopod::Configuration configure(const ochopod::Cluster&) override {
    const int delay = std::atoi(env("TEST_CONFIGURE_DELAY_MS", "0").c_str());
    if (delay > 0) std::this_thread::sleep_for(std::chrono::milliseconds(delay));
    return {"ln -sf \"$OCHOPOD_CLUSTER\" \"$TEST_OUT/$PORT_8080.json\"; exec sleep 3600", {}};
  }

 private:
  bool subprocesses_ = false;
  int checks_ = 0;
};

class TestModel : public ochopod::Reactive {
 public:
  TestModel() {
    damper = std::chrono::duration<double>(std::atof(env("TEST_DAMPER", "0").c_str()));
    sequential = env("TEST_SEQUENTIAL") == "1";
    full_shutdown = env("TEST_FULL_SHUTDOWN") == "1";
    control_timeout = std::chrono::duration<double>(10.0);
  }
};

}  // namespace

int main() { return ochopod::boot<TestStrategy, TestModel>(); }
