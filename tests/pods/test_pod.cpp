// A C++ pod for the integration tests, written the way a user would (boot()
// with a Piped subclass), whose callbacks misbehave on demand:
//   TEST_GATE=<file>          can_configure() throws until <file> exists
//   TEST_CONFIGURE_DELAY_MS=n configure() takes n ms
//   TEST_STRICT=1             Piped::strict (configure() runs at every round)
//   TEST_DAMPER=<seconds>     the Reactive damper
//   TEST_SEQUENTIAL=1         Reactive::sequential
//   TEST_FULL_SHUTDOWN=1      Reactive::full_shutdown
// It runs `sleep 3600`, linking $OCHOPOD_CLUSTER into $TEST_OUT/<port>.json.
#include <ochopod/ochopod.h>
#include <unistd.h>

#include <chrono>
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
