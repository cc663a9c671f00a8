// What a `--sanity` command prints, as `ochopod run` reads it (its
// sanity_check(): a JSON object on stdout becomes the pod's metrics, anything
// else is ignored), then where metrics go: Hints, /info's answer and the
// child's $ochopod text.
#include <cstdint>
#include <string>

#include "fuzz_support.h"
#include "runtime/pod/hints.h"

using nlohmann::json;
using ochopod::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string out(reinterpret_cast<const char*>(data), size);
  auto js = json::parse(out, nullptr, false);
  if (!js.is_object()) return 0;
  static ochopod::Hints hints(json{
      {"application", "web"}, {"ip", "10.0.0.3"}, {"ports", {{"8080", 31000}}}, {"port", "8080"}});
  hints.set_metrics(js);
  const json info = hints.info();
  check(info.contains("metrics") && info["metrics"] == js, "/info shows the metrics as given");
  ochopod::fuzz::serializes([&] {
    (void)ochopod::fuzz::reply_text(info);
    (void)ochopod::to_json(hints.hints());
  });
  return 0;
}
