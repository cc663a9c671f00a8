#include "runtime/control/body/payload.h"

#include <spdlog/spdlog.h>

#include <mutex>
#include <optional>

#include "runtime/api/cluster_build.h"

namespace ochopod {

struct Payload::State {
  std::shared_ptr<const std::string> text;  // shared with cluster's pods map
  std::optional<Cluster> cluster;
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
  p.state_->text = std::make_shared<const std::string>(std::move(text));
  p.state_->has_pods = has_pods;
  return p;
}

Payload Payload::of_text(std::string text, fast_json::Outline outline) {
  return of_text(std::make_shared<const std::string>(std::move(text)), std::move(outline));
}

Payload Payload::of_text(std::shared_ptr<const std::string> text, fast_json::Outline outline) {
  Payload p;
  p.state_ = std::make_shared<State>();
  p.state_->text = std::move(text);
  p.state_->has_pods = outline.has_pods;
  if (outline.facts) {
    p.state_->cluster = detail::ClusterBuild::of_facts(std::move(*outline.facts), p.state_->text);
  }
  return p;
}

const nlohmann::json& Payload::operator*() const {
  static const nlohmann::json kNull;
  if (!state_) return kNull;
  const State& s = *state_;
  std::call_once(s.parsed, [&s] {
    s.tree = nlohmann::json::parse(*s.text, nullptr, false);
    if (s.tree.is_discarded()) {
      spdlog::error(
          "control: a body the fast parser accepted does not parse as JSON; read as null");
      s.tree = nullptr;
    }
  });
  return s.tree;
}

const std::string* Payload::text() const { return state_ ? state_->text.get() : nullptr; }

const Cluster* Payload::cluster() const {
  return state_ && state_->cluster ? &*state_->cluster : nullptr;
}

bool Payload::has_pods() const { return state_ && state_->has_pods; }

}  // namespace ochopod
