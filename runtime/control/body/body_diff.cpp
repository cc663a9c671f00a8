#include "runtime/control/body/body_diff.h"

#include <algorithm>

#include "runtime/base/text.h"

namespace ochopod::body_diff {

using fast_json::MemberSpan;
using nlohmann::json;

Written write(const json& base_pods, const json& pods, const json& dependencies) {
  json added = json::object();
  json gone = json::array();
  for (auto it = pods.begin(); it != pods.end(); ++it) {
    const auto was = base_pods.find(it.key());
    if (was == base_pods.end() || *was != *it) added[it.key()] = *it;
  }
  for (auto it = base_pods.begin(); it != base_pods.end(); ++it) {
    if (!pods.contains(it.key())) gone.push_back(it.key());
  }
  Written w;
  w.changed = added.size() + gone.size();
  // Members in sorted order, as nlohmann writes an object.
  w.head = "{\"added\":" + to_json(added) + ",\"dependencies\":" + to_json(dependencies) +
           ",\"gone\":" + to_json(gone) + ",\"key\":";
  return w;
}

namespace {

std::string_view name_of(std::string_view text, const MemberSpan& m) {
  return text.substr(m.name_at, m.name_length);
}

// The registration's "seq" as fast_json reads it: a whole number, else 0.
int64_t seq_of(std::string_view registration) {
  const json r = json::parse(registration, nullptr, false);
  if (!r.is_object()) return 0;
  const auto seq = r.find("seq");
  if (seq == r.end()) return 0;
  if (seq->is_number_unsigned()) return static_cast<int64_t>(seq->get<uint64_t>());
  if (seq->is_number_integer()) return seq->get<int64_t>();
  return 0;
}

// A diff, checked and ready to splice; its views point into the diff's text.
struct Diff {
  std::string receiver;           // "key"
  std::string key_json;           // "key" as JSON text
  std::vector<std::string> gone;  // sorted
  std::string_view dependencies;  // the object's text, as the leader wrote it
  std::vector<MemberSpan> added;  // the "added" members, offsets into the diff's text
};

// A member's value as written in text (m from fast_json::sorted_members).
std::string_view value_of(std::string_view text, const MemberSpan& m) {
  return text.substr(m.value_at, m.at + m.length - m.value_at);
}

// What both readers below share once they found a diff's four parts: key
// and gone as read, added and dependencies as the leader wrote them
// (spliced, never re-serialized, so the body is the one it would have sent
// whole). nullptr, or why these are not a diff's.
const char* fill(std::string_view diff_text, const json& key, const json& gone,
                 std::string_view added, std::string_view dependencies, Diff& out) {
  if (!key.is_string()) return "the body diff has no \"key\" string";
  if (!gone.is_array()) return "the body diff has no \"gone\" array";
  for (const auto& g : gone) {
    if (!g.is_string()) return "the body diff's \"gone\" holds a non-string";
    out.gone.push_back(g.get<std::string>());
  }
  std::sort(out.gone.begin(), out.gone.end());
  const size_t added_at = static_cast<size_t>(added.data() - diff_text.data());
  auto members = fast_json::sorted_members(diff_text, added_at, added.size());
  if (!members) return "the body diff's \"added\" names are escaped or out of order";
  out.receiver = key.get<std::string>();
  out.key_json = to_json(key);
  out.dependencies = dependencies;
  out.added = std::move(*members);
  return nullptr;
}

// A diff written as an ochopod leader writes one, read without a tree of
// it: simdjson validates the text (no tape, no copy of its strings), one
// scan finds its members, and only "key" and "gone", a few bytes, are
// parsed. In a formation a diff carries every pod that joined since the
// last round, hundreds of registrations: as an nlohmann tree, a fresh
// std::map node for every member of each, on the control port's thread,
// every round. nullopt for anything else (a text simdjson refuses, escaped
// or unordered names, a part missing or of the wrong kind): read_diff then
// reads it with nlohmann, which accepts what it always did and says what
// is wrong.
std::optional<Diff> read_written_diff(std::string_view diff_text, bool padded) {
  if (!fast_json::outline(diff_text, /*read_facts=*/false, padded).valid) return std::nullopt;
  const auto members = fast_json::sorted_members(diff_text, 0, diff_text.size());
  if (!members) return std::nullopt;
  std::optional<std::string_view> added, dependencies, gone, key;
  for (const MemberSpan& m : *members) {
    const std::string_view name = name_of(diff_text, m);
    if (name == "added") added = value_of(diff_text, m);
    if (name == "dependencies") dependencies = value_of(diff_text, m);
    if (name == "gone") gone = value_of(diff_text, m);
    if (name == "key") key = value_of(diff_text, m);
  }
  if (!added || !dependencies || !gone || !key) return std::nullopt;
  if (added->empty() || added->front() != '{') return std::nullopt;
  if (dependencies->empty() || dependencies->front() != '{') return std::nullopt;
  Diff out;
  if (fill(diff_text, json::parse(*key, nullptr, false), json::parse(*gone, nullptr, false), *added,
           *dependencies, out) != nullptr) {
    return std::nullopt;
  }
  return out;
}

// Checks that diff_text is a diff (body_diff.h) and finds its parts;
// nullopt with *error set when it is not one.
std::optional<Diff> read_diff(std::string_view diff_text, bool padded, std::string* error) {
  if (auto written = read_written_diff(diff_text, padded)) return written;
  const auto refuse = [&](const char* why) {
    *error = why;
    return std::nullopt;
  };
  const json diff = json::parse(diff_text, nullptr, false);
  if (diff.is_discarded()) return refuse("the body diff is not JSON");
  if (!diff.is_object()) return refuse("the body diff is not an object");
  const auto key = diff.find("key");
  const auto gone_list = diff.find("gone");
  if (key == diff.end()) return refuse("the body diff has no \"key\" string");
  if (gone_list == diff.end()) return refuse("the body diff has no \"gone\" array");
  const auto added_text = fast_json::member_text(diff_text, "added");
  const auto deps_text = fast_json::member_text(diff_text, "dependencies");
  if (!added_text || !diff["added"].is_object()) {
    return refuse("the body diff has no \"added\" object");
  }
  if (!deps_text || !diff["dependencies"].is_object()) {
    return refuse("the body diff has no \"dependencies\" object");
  }
  Diff out;
  if (const char* why = fill(diff_text, *key, *gone_list, *added_text, *deps_text, out)) {
    return refuse(why);
  }
  return out;
}

// The body: the kept registrations merged with those that came (both lists
// sorted by name), less the gone ones, written into `into`.
Applied splice(std::string_view base_text, const std::vector<MemberSpan>& base_members,
               std::string_view diff_text, const Diff& diff, std::string into,
               std::vector<MemberSpan> members_into) {
  Applied out;
  std::string& t = out.text;
  t = std::move(into);
  t.clear();
  t.reserve(base_text.size() + diff_text.size());
  // Room for every member at once, and more for those the next rounds add:
  // grown one push at a time, the list was reallocated some ten times a
  // round, into fresh pages at a thousand pods.
  out.members = std::move(members_into);
  out.members.clear();
  const size_t most = base_members.size() + diff.added.size();
  if (out.members.capacity() < most) out.members.reserve(most + most / 2);
  t += "{\"dependencies\":";
  t += diff.dependencies;
  t += ",\"key\":";
  t += diff.key_json;
  t += ",\"pods\":";
  const size_t pods_at = t.size();
  t += '{';
  std::optional<std::string_view> own;
  const auto emit = [&](std::string_view from, const MemberSpan& m) {
    if (!out.members.empty()) t += ',';
    MemberSpan placed;
    placed.at = t.size();
    placed.name_at = placed.at + (m.name_at - m.at);
    placed.name_length = m.name_length;
    placed.length = m.length;
    placed.value_at = placed.at + (m.value_at - m.at);
    t += from.substr(m.at, m.length);
    const std::string_view name = name_of(from, m);
    if (name == diff.receiver) {
      out.facts.index = static_cast<int>(out.members.size());
      own = value_of(from, m);
    }
    out.members.push_back(placed);
  };
  // A merge of two sorted lists; a registration that came replaces the kept one.
  const auto& added = diff.added;
  size_t b = 0, a = 0;
  while (b < base_members.size() || a < added.size()) {
    const bool take_added =
        b == base_members.size() ||
        (a < added.size() && name_of(diff_text, added[a]) <= name_of(base_text, base_members[b]));
    if (take_added) {
      const MemberSpan& m = added[a++];
      if (b < base_members.size() && name_of(base_text, base_members[b]) == name_of(diff_text, m)) {
        ++b;
      }
      emit(diff_text, m);
      continue;
    }
    const MemberSpan& m = base_members[b++];
    const std::string_view name = name_of(base_text, m);
    if (std::binary_search(diff.gone.begin(), diff.gone.end(), name)) continue;
    emit(base_text, m);
  }
  t += '}';
  out.facts.pods_at = {pods_at, t.size() - pods_at};
  t += '}';
  out.facts.key = diff.receiver;
  out.facts.size = static_cast<int>(out.members.size());
  if (own) {
    out.facts.seq = seq_of(*own);
  } else {
    out.facts.index = 0;
  }
  out.facts.dependencies_text = std::string(diff.dependencies);
  return out;
}

}  // namespace

std::optional<Applied> apply(std::string_view base_text,
                             const std::vector<MemberSpan>& base_members,
                             std::string_view diff_text, std::string* error, std::string into,
                             bool padded, std::vector<MemberSpan> members_into) {
  const auto diff = read_diff(diff_text, padded, error);
  if (!diff) return std::nullopt;
  return splice(base_text, base_members, diff_text, *diff, std::move(into),
                std::move(members_into));
}

}  // namespace ochopod::body_diff
