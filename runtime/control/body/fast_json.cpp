#include "runtime/control/body/fast_json.h"

#include <simdjson.h>

#include <algorithm>
#include <cstring>
#include <vector>

namespace ochopod::fast_json {

namespace {

// A parser per call: its buffers grow with the text (megabytes for a large
// cluster) and a pod should not keep them between rounds.
simdjson::error_code parse(simdjson::dom::parser& parser, std::string_view text,
                           simdjson::dom::element* root, bool padded = false) {
  static_assert(kPadding >= simdjson::SIMDJSON_PADDING);
  return parser.parse(text.data(), text.size(), /*realloc_if_needed=*/!padded).get(*root);
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

size_t skip_space(std::string_view t, size_t i) {
  while (i < t.size() && is_space(t[i])) ++i;
  return i;
}

// t[i] is the opening quote; the index after the closing one. A quote ends
// the string unless an odd run of backslashes precedes it.
size_t skip_string(std::string_view t, size_t i) {
  size_t from = i + 1;
  for (;;) {
    const void* hit = std::memchr(t.data() + from, '"', t.size() - from);
    if (hit == nullptr) return t.size();
    const size_t quote = static_cast<const char*>(hit) - t.data();
    size_t run = quote;
    while (run > from && t[run - 1] == '\\') --run;
    if ((quote - run) % 2 == 0) return quote + 1;
    from = quote + 1;
  }
}

size_t skip_value(std::string_view t, size_t i) {
  if (i >= t.size()) return i;
  if (t[i] == '"') return skip_string(t, i);
  if (t[i] != '{' && t[i] != '[') {
    while (i < t.size() && !is_space(t[i]) && t[i] != ',' && t[i] != '}' && t[i] != ']') ++i;
    return i;
  }
  int depth = 0;
  while (i < t.size()) {
    const char c = t[i];
    if (c == '"') {
      i = skip_string(t, i);
      continue;
    }
    if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      if (--depth == 0) return i + 1;
    }
    ++i;
  }
  return i;
}

std::string minified(simdjson::dom::element e) { return simdjson::minify(e); }

// The facts of a parsed payload; text is what root was parsed from.
std::optional<PayloadFacts> facts_of(simdjson::dom::element root, std::string_view text,
                                     std::string* error) {
  simdjson::dom::object object;
  if (root.get_object().get(object) != simdjson::SUCCESS) {
    *error = "configuration payload is not an object";
    return std::nullopt;
  }
  // Members may repeat: nlohmann keeps the last, so do we.
  std::optional<simdjson::dom::element> pods, dependencies, key;
  int pods_members = 0;
  bool pods_last = false;
  for (auto field : object) {
    pods_last = field.key == "pods";
    if (field.key == "pods") {
      pods = field.value;
      ++pods_members;
    } else if (field.key == "dependencies") {
      dependencies = field.value;
    } else if (field.key == "key") {
      key = field.value;
    }
  }
  if (!pods || !pods->is_object()) {
    *error = "configuration payload has no \"pods\" object";
    return std::nullopt;
  }
  if (dependencies && !dependencies->is_object()) {
    *error = "\"dependencies\" is not an object";
    return std::nullopt;
  }
  if (key && !key->is_string()) {
    *error = "\"key\" is not a string";
    return std::nullopt;
  }
  PayloadFacts facts;
  if (key) facts.key = std::string(std::string_view(*key));

  std::vector<std::string_view> uuids;
  std::optional<simdjson::dom::element> own;
  for (auto field : simdjson::dom::object(*pods)) {
    uuids.push_back(field.key);
    if (field.key == facts.key) own = field.value;
  }
  std::sort(uuids.begin(), uuids.end());
  uuids.erase(std::unique(uuids.begin(), uuids.end()), uuids.end());
  facts.size = static_cast<int>(uuids.size());
  if (own) {
    // nlohmann's objects iterate in sorted key order: the index is the rank.
    facts.index =
        static_cast<int>(std::lower_bound(uuids.begin(), uuids.end(), facts.key) - uuids.begin());
    simdjson::dom::object registration;
    if (own->get_object().get(registration) == simdjson::SUCCESS) {
      std::optional<simdjson::dom::element> seq;
      for (auto field : registration) {
        if (field.key == "seq") seq = field.value;
      }
      if (seq && seq->is_int64()) {
        facts.seq = int64_t(*seq);
      } else if (seq && seq->is_uint64()) {
        facts.seq = static_cast<int64_t>(uint64_t(*seq));
      }
    }
  }
  // The text as the leader wrote it when the member is written plainly and
  // once (the usual case, no copy of the tree); re-serialized otherwise.
  std::optional<std::string_view> raw;
  if (pods_members == 1) raw = member_text(text, "pods", pods_last);
  if (raw) {
    facts.pods_at = {static_cast<size_t>(raw->data() - text.data()), raw->size()};
  } else {
    facts.pods_text = minified(*pods);
  }
  facts.dependencies_text = dependencies ? minified(*dependencies) : "{}";
  return facts;
}

}  // namespace

Outline outline(std::string_view text, bool read_facts, bool padded) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parse(parser, text, &root, padded) != simdjson::SUCCESS) return {};
  Outline out;
  out.valid = true;
  simdjson::dom::object object;
  if (root.get_object().get(object) == simdjson::SUCCESS) {
    for (auto field : object) {
      if (field.key == "pods") out.has_pods = true;
    }
  }
  if (read_facts && out.has_pods) {
    // A payload that is not of the right shape gets no facts here: the
    // pod reads it again where it can say why (Cluster::from_text).
    std::string error;
    out.facts = facts_of(root, text, &error);
  }
  return out;
}

std::optional<std::string_view> member_text(std::string_view t, std::string_view key,
                                            bool last_member) {
  size_t i = skip_space(t, 0);
  if (i >= t.size() || t[i] != '{') return std::nullopt;
  std::optional<std::string_view> found;
  i = skip_space(t, i + 1);
  while (i < t.size() && t[i] == '"') {
    const size_t name_end = skip_string(t, i);
    const std::string_view name = t.substr(i + 1, name_end - i - 2);
    i = skip_space(t, name_end);
    if (i >= t.size() || t[i] != ':') return std::nullopt;
    const size_t value = skip_space(t, i + 1);
    if (last_member && name == key) {
      // The object's last member of a valid text ends where the object
      // does: no need to walk a whole pods map to find that.
      size_t end = t.size();
      while (end > value && is_space(t[end - 1])) --end;
      if (end <= value || t[end - 1] != '}') return std::nullopt;
      --end;
      while (end > value && is_space(t[end - 1])) --end;
      return t.substr(value, end - value);
    }
    i = skip_value(t, value);
    if (name == key) found = t.substr(value, i - value);
    i = skip_space(t, i);
    if (i >= t.size() || t[i] != ',') break;
    i = skip_space(t, i + 1);
  }
  return found;
}

std::optional<std::vector<MemberSpan>> sorted_members(std::string_view text, size_t at,
                                                      size_t length) {
  if (at > text.size() || length > text.size() - at) return std::nullopt;
  const std::string_view t = text.substr(0, at + length);
  size_t i = skip_space(t, at);
  if (i >= t.size() || t[i] != '{') return std::nullopt;
  std::vector<MemberSpan> members;
  std::string_view previous;
  i = skip_space(t, i + 1);
  while (i < t.size() && t[i] == '"') {
    MemberSpan m;
    m.at = i;
    const size_t name_end = skip_string(t, i);
    if (name_end > t.size() || name_end < i + 2) return std::nullopt;
    m.name_at = i + 1;
    m.name_length = name_end - i - 2;
    const std::string_view name = t.substr(m.name_at, m.name_length);
    if (name.find('\\') != std::string_view::npos) return std::nullopt;
    if (!members.empty() && !(previous < name)) return std::nullopt;
    i = skip_space(t, name_end);
    if (i >= t.size() || t[i] != ':') return std::nullopt;
    i = skip_value(t, skip_space(t, i + 1));
    m.length = i - m.at;
    members.push_back(m);
    previous = name;
    i = skip_space(t, i);
    if (i >= t.size() || t[i] != ',') break;
    i = skip_space(t, i + 1);
  }
  if (i >= t.size() || t[i] != '}') return std::nullopt;
  return members;
}

std::optional<PayloadFacts> payload_facts(std::string_view text, std::string* error) {
  error->clear();
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parse(parser, text, &root) != simdjson::SUCCESS) return std::nullopt;
  return facts_of(root, text, error);
}

}  // namespace ochopod::fast_json
