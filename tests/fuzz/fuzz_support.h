// Shared bits of the libFuzzer targets in this folder (each fuzz_<name>.cpp is
// one target; scripts/fuzz builds them in build-fuzz/ and runs each on
// corpus/<name>/).
//
// A target crashes (abort, ASan, UBSan, an uncaught exception) when the code
// under test breaks a promise; check() is how a target states one. Known
// defects can be looked past with an environment variable, so a run can
// still find the next bug:
//   OCHOPOD_FUZZ_TOLERATE_UTF8=1  a type_error 316 (invalid UTF-8 reaching a
//                                 serializer other than to_json()) is
//                                 counted, not a crash. Fixed: keep it off.
#pragma once

#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/base/text.h"

namespace ochopod::fuzz {

inline void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "fuzz: broken promise: %s\n", what);
    std::abort();
  }
}

inline bool tolerate_utf8() {
  static const bool yes = [] {
    const char* v = std::getenv("OCHOPOD_FUZZ_TOLERATE_UTF8");
    return v != nullptr && std::string_view(v) == "1";
  }();
  return yes;
}

// Runs fn (which serializes JSON the way the pod does); a type_error 316 is
// rethrown (a crash) unless tolerated. Returns false when it was tolerated.
template <typename Fn>
bool serializes(Fn&& fn) {
  try {
    fn();
    return true;
  } catch (const nlohmann::json::type_error& e) {
    if (e.id != 316 || !tolerate_utf8()) throw;
    return false;
  }
}

// JSON text as an HTTP answer of the pod carries it: the same call as the
// control server's reply(), so a target trips on what the pod trips on.
inline std::string reply_text(const nlohmann::json& body) { return ochopod::to_json(body); }

// The pod logs a lot on bad input; a fuzzer must not spend its time printing.
inline void quiet_logs() {
  static const bool done = [] {
    spdlog::set_default_logger(
        std::make_shared<spdlog::logger>("fuzz", std::make_shared<spdlog::sinks::null_sink_mt>()));
    return true;
  }();
  (void)done;
}

// Input bytes -> lines (split on '\n', kept byte for byte, '\r' included).
inline std::vector<std::string> lines_of(const uint8_t* data, size_t size) {
  std::vector<std::string> out(1);
  for (size_t i = 0; i < size; ++i) {
    if (data[i] == '\n') {
      out.emplace_back();
    } else {
      out.back().push_back(static_cast<char>(data[i]));
    }
  }
  return out;
}

}  // namespace ochopod::fuzz
