#include "ochopod/payload.h"

#include <spdlog/spdlog.h>

#include <mutex>

namespace ochopod {

struct Payload::State {
  std::string text;
  bool from_text = false;
  bool has_pods = false;
  mutable std::once_flag parsed;
  mutable nlohmann::json tree;
};

Payload Payload::of(nlohmann::json value) {
  Payload p;
  p.state_ = std::make_shared<State>();
  p.state_->has_pods = value.is_object() && value.contains("pods");
  p.state_->tree = std::move(value);
  std::call_once(p.state_->parsed, [] {});
  return p;
}

Payload Payload::of_text(std::string text, bool has_pods) {
  Payload p;
  p.state_ = std::make_shared<State>();
  p.state_->text = std::move(text);
  p.state_->from_text = true;
  p.state_->has_pods = has_pods;
  return p;
}

const nlohmann::json& Payload::operator*() const {
  static const nlohmann::json kNull;
  if (!state_) return kNull;
  const State& s = *state_;
  std::call_once(s.parsed, [&s] {
    s.tree = nlohmann::json::parse(s.text, nullptr, false);
    if (s.tree.is_discarded()) {
      spdlog::error(
          "control: a body the fast parser accepted does not parse as JSON; read as null");
      s.tree = nullptr;
    }
  });
  return s.tree;
}

const std::string* Payload::text() const {
  return state_ && state_->from_text ? &state_->text : nullptr;
}

bool Payload::has_pods() const { return state_ && state_->has_pods; }

}  // namespace ochopod
