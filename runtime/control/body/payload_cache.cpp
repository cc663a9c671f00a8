#include "runtime/control/body/payload_cache.h"

#include <nlohmann/json.hpp>
#include <string>
#include <utility>

#include "runtime/control/body/body_diff.h"
#include "runtime/control/body/body_ref.h"
#include "runtime/control/body/fast_json.h"

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

PayloadCache::Resolved PayloadCache::resolve(std::string_view task, std::string body,
                                             const BodyHeaders& headers) {
  Resolved out;
  const std::string_view ref = headers.ref;
  const std::string_view id = body_ref::valid_id(headers.id) ? headers.id : std::string_view();
  // ok ends a round: its body is kept only as the base of the next round's
  // diff, so only when the leader named it.
  const bool keep = task != "ok" || !id.empty() || !ref.empty();
  if (!body.empty() || !ref.empty()) ++bodies_seen_;
  if (body.empty() && !ref.empty()) {
    out.body = held(ref, keep);
    if (!out.body) {
      out.status = body_ref::kNotHeld;
      out.error = "the body it refers to is not held, asking for it whole";
      return out;
    }
    if (keep) out.kept_id = ref;
  } else if (!body.empty() && !headers.base.empty()) {
    std::string why;
    out.body = apply(headers.base, std::move(body), keep, id, &out.status, &why);
    if (!out.body) {
      out.error = out.status == body_ref::kNotHeld ? why + ", asking for the body whole"
                                                   : "refused: " + why;
      return out;
    }
    if (holds(id)) out.kept_id = id;
  } else if (!body.empty()) {
    out.body = parse(std::move(body), keep, id);
    if (!out.body) {
      out.status = 400;
      out.error = "body is not JSON";
      return out;
    }
    if (holds(id)) out.kept_id = id;
  }
  if (task == "ok" && keep && holds(out.kept_id) && timer_) {
    timer_(kSpareDelay, [this, seen = bodies_seen_] {
      if (bodies_seen_ == seen) ready_spare();
    });
  }
  return out;
}

Payload PayloadCache::parse(std::string body, bool keep, std::string_view id) {
  Payload payload;
  fast_json::Outline outline;
  if (kept_ && body == *kept_.text()) {
    ++hits_;
    payload = kept_;
  } else if (body.size() >= min_cached_ &&
             (outline = fast_json::outline(padded(body), /*read_facts=*/true, /*padded=*/true))
                 .valid) {
    payload = Payload::of_text(texts_.share(std::move(body)), std::move(outline));
  } else {
    auto json = nlohmann::json::parse(body, nullptr, false);
    if (json.is_discarded()) return nullptr;
    payload = Payload::of(std::move(json));
  }
  if (keep && payload.text() != nullptr) {
    if (payload != kept_) remember(payload, id);
    kept_id_ = id;
  } else {
    forget();
  }
  return payload;
}

void PayloadCache::remember(Payload payload, std::string_view id,
                            std::optional<std::vector<fast_json::MemberSpan>> members) {
  kept_ = std::move(payload);
  kept_id_ = id;
  if (kept_members_) spare_members_ = std::move(*kept_members_);
  kept_members_ = std::move(members);
}

void PayloadCache::forget() {
  kept_.reset();
  kept_id_.clear();
  kept_members_.reset();
}

Payload PayloadCache::apply(std::string_view base_id, std::string diff, bool keep_it,
                            std::string_view id, int* status, std::string* error) {
  *status = body_ref::kNotHeld;
  if (!holds(base_id)) {
    *error = "the body it is a diff against is not held";
    return nullptr;
  }
  const std::string& base = *kept_.text();
  if (!index_kept()) {
    *error = "the body it is a diff against is not one a diff can edit";
    return nullptr;
  }
  const size_t room = base.size() + diff.size();
  auto applied = body_diff::apply(base, *kept_members_, padded(diff), error, texts_.take(room),
                                  /*padded=*/true, std::move(spare_members_));
  if (!applied) {
    *status = 400;
    return nullptr;
  }
  fast_json::Outline outline;
  outline.valid = true;
  outline.has_pods = true;
  outline.facts = std::move(applied->facts);
  Payload payload = Payload::of_text(texts_.share(std::move(applied->text)), std::move(outline));
  if (keep_it) {
    remember(payload, id, std::move(applied->members));
  } else {
    forget();
  }
  *status = 200;
  return payload;
}

bool PayloadCache::index_kept() {
  if (kept_members_) return true;
  if (!kept_) return false;
  // The pods map of a body that came whole, found once: the bodies diffs
  // give carry their own.
  const std::string& text = *kept_.text();
  const Cluster* cluster = kept_.cluster();
  const std::string_view pods = cluster ? cluster->pods_text() : std::string_view();
  const bool inside = cluster && pods.data() >= text.data() &&
                      pods.data() + pods.size() <= text.data() + text.size();
  if (inside) {
    kept_members_ = fast_json::sorted_members(text, static_cast<size_t>(pods.data() - text.data()),
                                              pods.size());
  }
  return kept_members_.has_value();
}

void PayloadCache::ready_spare() {
  // The next diff's work that does not need the diff: its base's index.
  index_kept();
  // The kept body and its padding; ready() adds room for pods that join.
  if (kept_) texts_.ready(kept_.text()->size() + fast_json::kPadding);
}

Payload PayloadCache::held(std::string_view id, bool keep) {
  if (!holds(id)) return nullptr;
  ++hits_;
  Payload payload = kept_;
  if (!keep) forget();
  return payload;
}

}  // namespace ochopod
