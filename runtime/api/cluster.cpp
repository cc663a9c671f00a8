#include "ochopod/cluster.h"

#include <algorithm>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <vector>

#include "runtime/api/cluster_build.h"
#include "runtime/base/text.h"
#include "runtime/control/body/fast_json.h"

namespace ochopod {

using nlohmann::json;

// The map in whichever form it came, the other form made on first use. As
// text it is either its own string or a span of the payload it came in.
struct Cluster::Pods {
  mutable std::once_flag tree_once, text_once, digest_once;
  mutable json tree;
  mutable std::string text;
  mutable detail::TextDigest digest;
  std::shared_ptr<const std::string> payload;  // when view points into it
  std::string_view view;

  std::string_view as_text() const { return payload ? view : std::string_view(text); }

  static std::shared_ptr<const Pods> of_tree(json pods) {
    auto p = std::make_shared<Pods>();
    p->tree = std::move(pods);
    std::call_once(p->tree_once, [] {});
    return p;
  }
  static std::shared_ptr<const Pods> of_text(std::string text) {
    auto p = std::make_shared<Pods>();
    p->text = std::move(text);
    std::call_once(p->text_once, [] {});
    return p;
  }
  static std::shared_ptr<const Pods> of_span(std::shared_ptr<const std::string> payload,
                                             size_t offset, size_t length) {
    auto p = std::make_shared<Pods>();
    p->view = std::string_view(*payload).substr(offset, length);
    p->payload = std::move(payload);
    std::call_once(p->text_once, [] {});
    return p;
  }
};

const json& Cluster::pods() const {
  static const json kEmpty = json::object();
  if (!pods_) return kEmpty;
  const Pods& p = *pods_;
  std::call_once(p.tree_once, [&p] {
    p.tree = json::parse(p.as_text(), nullptr, false);
    if (p.tree.is_discarded()) {
      p.tree = json::object();
      throw std::runtime_error("the payload's pods text does not parse as JSON");
    }
  });
  return p.tree;
}

std::string_view Cluster::pods_text() const {
  if (!pods_) return "{}";
  const Pods& p = *pods_;
  std::call_once(p.text_once, [&p] { p.text = ochopod::to_json(p.tree); });
  return p.as_text();
}

namespace detail {

TextDigest digest_text(std::string_view text) {
  return {std::_Hash_bytes(text.data(), text.size(), 0x9e3779b97f4a7c15ull ^ text.size()),
          std::_Hash_bytes(text.data(), text.size(), 0xc2b2ae3d27d4eb4full + text.size())};
}

TextDigest ClusterBuild::pods_digest(const Cluster& cluster) {
  if (!cluster.pods_) return digest_text(cluster.pods_text());
  const Cluster::Pods& p = *cluster.pods_;
  std::call_once(p.digest_once, [&cluster, &p] { p.digest = digest_text(cluster.pods_text()); });
  return p.digest;
}

}  // namespace detail

Cluster Cluster::from_text(std::string_view payload_text) {
  std::string error;
  auto facts = fast_json::payload_facts(payload_text, &error);
  if (!facts) {
    if (!error.empty()) throw std::invalid_argument(error);
    // Beyond simdjson (a 65-bit integer, deep nesting): nlohmann decides.
    auto payload = json::parse(payload_text, nullptr, false);
    if (payload.is_discarded()) throw std::invalid_argument("configuration payload is not JSON");
    return from_payload(payload);
  }
  if (facts->pods_at) {  // only the map is kept, not the whole text
    const auto [offset, length] = *facts->pods_at;
    facts->pods_text = std::string(payload_text.substr(offset, length));
    facts->pods_at.reset();
  }
  return detail::ClusterBuild::of_facts(std::move(*facts), nullptr);
}

namespace detail {

Cluster ClusterBuild::of_facts(fast_json::PayloadFacts facts,
                               std::shared_ptr<const std::string> text) {
  Cluster c;
  c.key = std::move(facts.key);
  c.index = facts.index;
  c.seq = facts.seq;
  c.size = facts.size;
  c.dependencies = json::parse(facts.dependencies_text);
  if (facts.pods_at && text) {
    c.pods_ = Cluster::Pods::of_span(std::move(text), facts.pods_at->first, facts.pods_at->second);
  } else {
    c.pods_ = Cluster::Pods::of_text(std::move(facts.pods_text));
  }
  return c;
}

}  // namespace detail

Cluster Cluster::from_payload(const json& payload) {
  if (!payload.is_object()) throw std::invalid_argument("configuration payload is not an object");
  Cluster c;
  auto pods = payload.find("pods");
  if (pods == payload.end() || !pods->is_object()) {
    throw std::invalid_argument("configuration payload has no \"pods\" object");
  }
  c.pods_ = Pods::of_tree(*pods);
  const json& map = c.pods_->tree;
  auto deps = payload.find("dependencies");
  if (deps != payload.end()) {
    if (!deps->is_object()) throw std::invalid_argument("\"dependencies\" is not an object");
    c.dependencies = *deps;
  }
  auto key = payload.find("key");
  if (key != payload.end()) {
    if (!key->is_string()) throw std::invalid_argument("\"key\" is not a string");
    c.key = key->get<std::string>();
  }
  c.size = static_cast<int>(map.size());
  // json objects iterate in sorted key order, so the index is the position.
  int i = 0;
  for (auto it = map.begin(); it != map.end(); ++it, ++i) {
    if (it.key() == c.key) {
      c.index = i;
      if (it->is_object() && it->contains("seq") && (*it)["seq"].is_number_integer()) {
        c.seq = (*it)["seq"].get<int64_t>();
      }
    }
  }
  return c;
}

json Cluster::to_json() const {
  return json{{"key", key},   {"index", index}, {"seq", seq},
              {"size", size}, {"pods", pods()}, {"dependencies", dependencies}};
}

std::string Cluster::grep(const std::string& dependency, int port, bool use_public) const {
  auto dep = dependencies.find(dependency);
  if (dep == dependencies.end() || !dep->is_object()) {
    throw std::out_of_range("unknown dependency '" + dependency + "'");
  }
  std::vector<std::string> tokens;
  for (const auto& pod : *dep) {
    // Registrations come from other pods: a malformed one is "not exposed",
    // never a JSON type error escaping the documented contract.
    const auto ports = pod.is_object() ? pod.value("ports", json::object()) : json::object();
    auto remapped = ports.find(std::to_string(port));
    if (remapped == ports.end() || !remapped->is_number_integer()) {
      throw std::out_of_range("a pod of '" + dependency + "' does not expose port " +
                              std::to_string(port));
    }
    const auto host = pod.find(use_public ? "public" : "ip");
    if (host != pod.end() && !host->is_string()) {
      throw std::out_of_range("a pod of '" + dependency + "' has no usable address");
    }
    tokens.push_back((host == pod.end() ? std::string() : host->get<std::string>()) + ":" +
                     std::to_string(remapped->get<int>()));
  }
  std::sort(tokens.begin(), tokens.end());
  std::string out;
  for (const auto& t : tokens) out += (out.empty() ? "" : ",") + t;
  return out;
}

}  // namespace ochopod
