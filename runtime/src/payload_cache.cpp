#include "ochopod/payload_cache.h"

namespace ochopod {

Payload PayloadCache::parse(std::string_view body, bool keep) {
  Payload payload;
  if (parsed_ && body == bytes_) {
    ++hits_;
    payload = parsed_;
  } else {
    auto json = nlohmann::json::parse(body, nullptr, false);
    if (json.is_discarded()) return nullptr;
    payload = make_payload(std::move(json));
  }
  if (keep && body.size() >= kMinCached) {
    if (payload != parsed_) {
      bytes_.assign(body);
      parsed_ = payload;
    }
  } else {
    // Dropped, not shrunk in place: the next round may be smaller.
    std::string().swap(bytes_);
    parsed_.reset();
  }
  return payload;
}

}  // namespace ochopod
