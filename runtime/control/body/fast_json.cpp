#include "runtime/control/body/fast_json.h"

#include <simdjson.h>

#include <algorithm>
#include <cstring>
#include <vector>

namespace ochopod::fast_json {

namespace {

namespace od = simdjson::ondemand;

// Deeper nesting is refused here, as simdjson's DOM parser refused it: the
// callers' nlohmann decides.
constexpr int kMaxDepth = 1024;

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

// A member's name as the payload means it: the text between the quotes
// when it has no escape (the usual case, nothing written), else unescaped
// into the parser's string buffer, which lives as long as the parse.
simdjson::error_code name_of(od::field& field, std::string_view* name, bool* escaped) {
  const char* raw = field.key().raw();
  size_t n = 0;
  while (raw[n] != '"' && raw[n] != '\\') ++n;
  *escaped = raw[n] == '\\';
  if (!*escaped) {
    *name = std::string_view(raw, n);
    return simdjson::SUCCESS;
  }
  return field.unescaped_key().get(*name);
}

// One member of an object being walked: its name as meant (name_of), and
// its value with the value's type.
struct Member {
  std::string_view name;
  bool escaped = false;
  od::value value;
  od::json_type type{};
};
simdjson::error_code read_member(simdjson::simdjson_result<od::field> result, Member* m) {
  od::field field;
  if (auto e = std::move(result).get(field)) return e;
  if (auto e = name_of(field, &m->name, &m->escaped)) return e;
  m->value = std::move(field).value();
  return m->value.type().get(m->type);
}

// Validates a JSON text with simdjson On-Demand, noting what a pod needs of
// a leader's payload on the way. Stage 1 (UTF-8, strings closed, no raw
// control characters) is simdjson's and covers the whole text; the walk
// checks the grammar, every number and literal, and the escapes of every
// string that has some, so it accepts what the DOM parser accepted. Unlike
// the DOM parser it writes no tape and no copy of the strings: the only
// memory it touches besides the text is simdjson's index of it.
class Walk {
 public:
  explicit Walk(bool read_facts) : read_facts_(read_facts) {}

  // SUCCESS when the whole text is one JSON object or array. A lone scalar
  // gets an error too: it is no payload, and nlohmann reads it whatever
  // its size.
  // padded: kPadding written bytes follow the text, else it is copied into
  // a padded buffer. What facts() says points into that and the parser's
  // buffers, so both live as long as the walk.
  simdjson::error_code run(std::string_view text, bool padded) {
    static_assert(kPadding >= simdjson::SIMDJSON_PADDING);
    simdjson::padded_string_view json(text.data(), text.size(), text.size() + kPadding);
    if (!padded) {
      copy_ = simdjson::padded_string(text);
      json = copy_;
    }
    base_ = json.data();
    if (auto e = parser_.iterate(json).get(doc_)) return e;
    od::json_type type;
    if (auto e = doc_.type().get(type)) return e;
    if (type == od::json_type::object) {
      od::object object;
      if (auto e = doc_.get_object().get(object)) return e;
      if (auto e = top(object)) return e;
    } else if (type == od::json_type::array) {
      od::array array;
      if (auto e = doc_.get_array().get(array)) return e;
      if (auto e = elements(array, 1)) return e;
    } else {
      return simdjson::INCORRECT_TYPE;
    }
    // Nothing may follow the root: at its end the document has no location.
    const char* rest = nullptr;
    return doc_.current_location().get(rest) == simdjson::SUCCESS ? simdjson::TAPE_ERROR
                                                                  : simdjson::SUCCESS;
  }

  bool has_pods() const { return pods_members_ > 0; }

  // The facts of a payload walked with read_facts; nullopt with *error set
  // when it is not of that shape, or with *error empty when this walk cannot
  // say them exactly (names written with escapes, "pods" more than once) and
  // nlohmann should read the text.
  std::optional<PayloadFacts> facts(std::string_view text, std::string* error) {
    if (!top_object_) {
      *error = "configuration payload is not an object";
      return std::nullopt;
    }
    if (pods_members_ == 0 || !pods_object_) {
      *error = "configuration payload has no \"pods\" object";
      return std::nullopt;
    }
    if (has_dependencies_ && !dependencies_object_) {
      *error = "\"dependencies\" is not an object";
      return std::nullopt;
    }
    if (has_key_ && !key_string_) {
      *error = "\"key\" is not a string";
      return std::nullopt;
    }
    if (!read_facts_ || escaped_names_ || pods_members_ != 1) return std::nullopt;
    PayloadFacts facts;
    facts.key = key_;
    // The last of a repeated name is the one nlohmann keeps.
    const Pod* own = nullptr;
    std::vector<std::string_view> uuids;
    uuids.reserve(pods_.size());
    for (const Pod& pod : pods_) {
      uuids.push_back(pod.uuid);
      if (pod.uuid == facts.key) own = &pod;
    }
    std::sort(uuids.begin(), uuids.end());
    uuids.erase(std::unique(uuids.begin(), uuids.end()), uuids.end());
    facts.size = static_cast<int>(uuids.size());
    if (own != nullptr) {
      // nlohmann's objects iterate in sorted key order: the index is the rank.
      facts.index =
          static_cast<int>(std::lower_bound(uuids.begin(), uuids.end(), facts.key) - uuids.begin());
      facts.seq = own->seq;
    }
    const auto pods = member_text(text, "pods", pods_last_);
    if (!pods) return std::nullopt;
    facts.pods_at = {static_cast<size_t>(pods->data() - text.data()), pods->size()};
    if (has_dependencies_) {
      facts.dependencies_text = std::string(text.substr(dependencies_at_, dependencies_length_));
    } else {
      facts.dependencies_text = "{}";
    }
    return facts;
  }

 private:
  // One member of the pods map: its name, and its registration's "seq"
  // when that is an integer (the last "seq" decides).
  struct Pod {
    std::string_view uuid;
    int64_t seq = 0;
  };

  simdjson::error_code top(od::object& object) {
    top_object_ = true;
    for (auto result : object) {
      Member m;
      if (auto e = read_member(std::move(result), &m)) return e;
      escaped_names_ |= m.escaped;
      pods_last_ = m.name == "pods";
      if (m.name == "pods") {
        ++pods_members_;
        pods_object_ = m.type == od::json_type::object;
        pods_.clear();
        if (pods_object_ && read_facts_) {
          od::object pods;
          if (auto e = m.value.get_object().get(pods)) return e;
          if (auto e = pod_members(pods)) return e;
          continue;
        }
      } else if (m.name == "dependencies") {
        has_dependencies_ = true;
        dependencies_object_ = m.type == od::json_type::object;
        if (dependencies_object_ && read_facts_) {
          if (auto e = note_dependencies(m.value)) return e;
          continue;
        }
      } else if (m.name == "key") {
        has_key_ = true;
        key_string_ = m.type == od::json_type::string;
        if (key_string_) {
          std::string_view key;
          if (auto e = m.value.get_string().get(key)) return e;
          key_ = std::string(key);
          continue;
        }
      }
      if (auto e = any(m.value, m.type, 1)) return e;
    }
    return simdjson::SUCCESS;
  }

  // Walks the "dependencies" object and notes where its text is, from its
  // opening brace to the last byte before the token that follows it (the
  // root always has one more: its closing brace). A repeated name
  // overwrites the span: the last one is nlohmann's.
  simdjson::error_code note_dependencies(od::value& value) {
    const char* begin = value.raw_json_token().data();
    if (auto e = any(value, od::json_type::object, 1)) return e;
    const char* next = nullptr;
    if (auto e = doc_.current_location().get(next)) return e;
    while (next > begin && is_space(next[-1])) --next;
    dependencies_at_ = static_cast<size_t>(begin - base_);
    dependencies_length_ = static_cast<size_t>(next - begin);
    return simdjson::SUCCESS;
  }

  simdjson::error_code pod_members(od::object& pods) {
    for (auto result : pods) {
      Member m;
      if (auto e = read_member(std::move(result), &m)) return e;
      Pod pod{m.name};
      if (m.type == od::json_type::object) {
        od::object registration;
        if (auto e = m.value.get_object().get(registration)) return e;
        if (auto e = registration_members(registration, &pod.seq)) return e;
      } else if (auto e = any(m.value, m.type, 2)) {
        return e;
      }
      pods_.push_back(pod);
    }
    return simdjson::SUCCESS;
  }

  simdjson::error_code registration_members(od::object& registration, int64_t* seq) {
    for (auto result : registration) {
      Member m;
      if (auto e = read_member(std::move(result), &m)) return e;
      if (m.name != "seq") {
        if (auto e = any(m.value, m.type, 3)) return e;
        continue;
      }
      *seq = 0;
      if (m.type != od::json_type::number) {
        if (auto e = any(m.value, m.type, 3)) return e;
        continue;
      }
      od::number number;
      if (auto e = m.value.get_number().get(number)) return e;
      if (number.is_int64()) {
        *seq = number.get_int64();
      } else if (number.is_uint64()) {
        *seq = static_cast<int64_t>(number.get_uint64());
      }
    }
    return simdjson::SUCCESS;
  }

  simdjson::error_code members(od::object& object, int depth) {
    for (auto result : object) {
      Member m;
      if (auto e = read_member(std::move(result), &m)) return e;
      if (auto e = any(m.value, m.type, depth)) return e;
    }
    return simdjson::SUCCESS;
  }

  simdjson::error_code elements(od::array& array, int depth) {
    for (auto result : array) {
      od::value value;
      if (auto e = std::move(result).get(value)) return e;
      od::json_type type;
      if (auto e = value.type().get(type)) return e;
      if (auto e = any(value, type, depth)) return e;
    }
    return simdjson::SUCCESS;
  }

  // Checks one value at that depth (the root's members are at 1).
  simdjson::error_code any(od::value& value, od::json_type type, int depth) {
    switch (type) {
      case od::json_type::object: {
        if (depth >= kMaxDepth) return simdjson::DEPTH_ERROR;
        od::object object;
        if (auto e = value.get_object().get(object)) return e;
        return members(object, depth + 1);
      }
      case od::json_type::array: {
        if (depth >= kMaxDepth) return simdjson::DEPTH_ERROR;
        od::array array;
        if (auto e = value.get_array().get(array)) return e;
        return elements(array, depth + 1);
      }
      case od::json_type::string: {
        // Stage 1 checked the string's bytes; only its escapes are left,
        // and unescaping them is what checks them. Either way the value is
        // consumed: one left unread would be skipped without the grammar
        // around it being checked.
        const std::string_view raw = value.raw_json_token();
        if (raw.find('\\') != std::string_view::npos) {
          std::string_view unescaped;
          return value.get_string().get(unescaped);
        }
        od::raw_json_string unread;
        return value.get_raw_json_string().get(unread);
      }
      case od::json_type::number: {
        od::number number;
        return value.get_number().get(number);
      }
      case od::json_type::boolean: {
        bool b = false;
        return value.get_bool().get(b);
      }
      case od::json_type::null: {
        bool null = false;
        if (auto e = value.is_null().get(null)) return e;
        return null ? simdjson::SUCCESS : simdjson::N_ATOM_ERROR;
      }
    }
    return simdjson::TAPE_ERROR;
  }

  const bool read_facts_;
  simdjson::padded_string copy_;
  od::parser parser_;
  od::document doc_;
  const char* base_ = nullptr;  // the text walked: the caller's, or copy_
  bool top_object_ = false;
  bool escaped_names_ = false;  // a top-level name written with escapes
  int pods_members_ = 0;
  bool pods_last_ = false, pods_object_ = false;
  bool has_dependencies_ = false, dependencies_object_ = false;
  size_t dependencies_at_ = 0, dependencies_length_ = 0;  // in the text walked
  bool has_key_ = false, key_string_ = false;
  std::string key_;
  std::vector<Pod> pods_;
};

}  // namespace

Outline outline(std::string_view text, bool read_facts, bool padded) {
  Walk w(read_facts);
  if (w.run(text, padded) != simdjson::SUCCESS) return {};
  Outline out;
  out.valid = true;
  out.has_pods = w.has_pods();
  if (read_facts && out.has_pods) {
    // A payload that is not of the right shape gets no facts here: the
    // pod reads it again where it can say why (Cluster::from_text).
    std::string error;
    out.facts = w.facts(text, &error);
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
    m.value_at = skip_space(t, i + 1);
    i = skip_value(t, m.value_at);
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
  Walk w(/*read_facts=*/true);
  if (w.run(text, /*padded=*/false) != simdjson::SUCCESS) return std::nullopt;
  return w.facts(text, error);
}

}  // namespace ochopod::fast_json
