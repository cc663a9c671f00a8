#include "models/reactive/pod_node.h"

#include "models/reactive/snapshot.h"

namespace ochopod {

std::optional<PodNode> parse_pod_node(const std::string& name, const std::string& data) {
  if (data.empty()) return std::nullopt;
  auto payload = nlohmann::json::parse(data, nullptr, false);
  if (!payload.is_object()) return std::nullopt;
  PodNode node;
  node.uuid = name.substr(0, name.find('.'));
  auto seq = registration_number(payload.value("seq", nlohmann::json()));
  const size_t dot = name.rfind('.');
  if (!seq && dot != std::string::npos)
    seq = registration_number(nlohmann::json(name.substr(dot + 1)));
  node.seq = seq.value_or(-1);
  node.payload = std::move(payload);
  return node;
}

}  // namespace ochopod
