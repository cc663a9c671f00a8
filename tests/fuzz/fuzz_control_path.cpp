// /control/<task>[/<timeout>] as the control server reads a request's path.
#include <cmath>
#include <cstdint>
#include <set>
#include <string>

#include "fuzz_support.h"
#include "runtime/control/routes.h"

using ochopod::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path(reinterpret_cast<const char*>(data), size);
  const auto parsed = ochopod::parse_control_path(path);
  check(parsed.error == 0 || parsed.error == 400 || parsed.error == 404, "error is 0, 400 or 404");
  if (parsed.error == 0) {
    static const std::set<std::string> tasks = {"check", "on", "off", "ok", "kill", "signal"};
    check(tasks.count(parsed.task) == 1, "an accepted task is a known one");
    check(std::isfinite(parsed.timeout_seconds), "an accepted timeout is finite");
    check(parsed.timeout_seconds >= 0 && parsed.timeout_seconds <= 86400,
          "an accepted timeout is within [0, 1 day]");
  }
  return 0;
}
