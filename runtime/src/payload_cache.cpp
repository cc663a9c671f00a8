#include "ochopod/payload_cache.h"

#include <nlohmann/json.hpp>
#include <string>

#include "ochopod/fast_json.h"

namespace ochopod {

namespace {

// The text followed by fast_json::kPadding written bytes, so simdjson reads
// it where it is. Free when the string already has the room (the control
// server reserves it), one copy when not: the one simdjson would make.
std::string_view padded(std::string& text) {
  const size_t size = text.size();
  text.append(fast_json::kPadding, ' ');
  text.resize(size);
  return text;
}

}  // namespace

Payload PayloadCache::parse(std::string body, bool keep, std::string_view id) {
  Payload payload;
  fast_json::Outline outline;
  if (kept_ && body == *kept_.text()) {
    ++hits_;
    payload = kept_;
  } else if (body.size() >= min_cached_ &&
             (outline = fast_json::outline(padded(body), /*read_facts=*/true, /*padded=*/true))
                 .valid) {
    payload = Payload::of_text(std::move(body), std::move(outline));
  } else {
    auto json = nlohmann::json::parse(body, nullptr, false);
    if (json.is_discarded()) return nullptr;
    payload = Payload::of(std::move(json));
  }
  if (keep && payload.text() != nullptr) {
    kept_ = payload;
    kept_id_ = id;
  } else {
    kept_.reset();
    kept_id_.clear();
  }
  return payload;
}

Payload PayloadCache::held(std::string_view id, bool keep) {
  if (!holds(id)) return nullptr;
  ++hits_;
  Payload payload = kept_;
  if (!keep) {
    kept_.reset();
    kept_id_.clear();
  }
  return payload;
}

}  // namespace ochopod
