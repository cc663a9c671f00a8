// Templates (ochopod/template.h): kainjow's Mustache renderer, made strict.
//
// kainjow has no strict mode and its context cannot tell a variable lookup
// from a section's: both call get(name). So before parsing, every variable
// tag is rewritten into an unescaped one whose name carries a marker
// (`{{ip}}` -> `{{&\x1fip}}`); our context strips the marker and reports a
// marked name that resolves to nothing, and leaves unmarked (section) names
// plain Mustache. The rewrite follows kainjow's own tag scanning, delimiter
// changes included. kainjow's header stays in this file only.
#include "ochopod/template.h"

#include <kainjow/mustache.hpp>
#include <stdexcept>
#include <string_view>

#include "runtime/base/numbers.h"
#include "runtime/base/text.h"

namespace ochopod {

namespace {

namespace mustache = kainjow::mustache;
using nlohmann::json;

// Starts the name of a rewritten variable tag: a byte no tag name holds and
// that kainjow's trim keeps.
constexpr char kMark = '\x1f';

// A set-delimiter tag's contents ("=<% %>="), parsed as kainjow parses it.
bool set_delimiters(const std::string& contents, std::string& open, std::string& close) {
  if (contents.size() < 5 || contents.back() != '=') return false;
  const std::string inner(trim(std::string_view(contents).substr(1, contents.size() - 2)));
  const auto space = inner.find(' ');
  if (space == std::string::npos) return false;
  const auto rest = inner.find_first_not_of(' ', space + 1);
  if (rest == std::string::npos) return false;
  const std::string begin = inner.substr(0, space), end = inner.substr(rest);
  for (const auto& d : {begin, end}) {
    for (const char c : d)
      if (c == '=' || std::isspace(static_cast<unsigned char>(c))) return false;
  }
  open = begin;
  close = end;
  return true;
}

// `text` with every variable tag ({{x}}, {{{x}}}, {{&x}}) turned into
// `<open>&<kMark>x<close>`. Where the scan meets what kainjow will refuse (an
// unclosed tag, a bad delimiter tag) the rest is copied as is, for kainjow to
// report.
std::string mark_variables(const std::string& text) {
  std::string open = "{{", close = "}}";
  std::string out;
  out.reserve(text.size() + 64);
  size_t pos = 0;
  for (;;) {
    const size_t at = text.find(open, pos);
    if (at == std::string::npos) break;
    out.append(text, pos, at - pos);
    size_t contents = at + open.size();
    const bool braces = open == "{{" && close == "}}";
    const bool triple = braces && contents < text.size() && text[contents] == '{';
    const std::string end = triple ? "}}}" : close;
    if (triple) ++contents;
    const size_t stop = text.find(end, contents);
    if (stop == std::string::npos) {
      pos = at;
      break;
    }
    const size_t next = stop + end.size();
    const std::string body(trim(std::string_view(text).substr(contents, stop - contents)));
    if (!body.empty() && body[0] == '=') {
      out.append(text, at, next - at);
      pos = next;
      if (!set_delimiters(body, open, close)) break;
      continue;
    }
    const bool variable =
        triple || body.empty() || std::string_view("#^/>!").find(body[0]) == std::string::npos;
    if (variable) {
      const std::string name = !triple && !body.empty() && body[0] == '&'
                                   ? std::string(trim(std::string_view(body).substr(1)))
                                   : body;
      out += open + "&" + kMark + name + close;
    } else {
      out.append(text, at, next - at);
    }
    pos = next;
  }
  out.append(text, pos);
  return out;
}

// JSON -> kainjow's data. Numbers render as JSON writes them; null is false.
mustache::data to_data(const json& j) {
  switch (j.type()) {
    case json::value_t::object: {
      mustache::data object{mustache::data::type::object};
      for (const auto& [key, value] : j.items()) object.set(key, to_data(value));
      return object;
    }
    case json::value_t::array: {
      mustache::data list{mustache::data::type::list};
      for (const auto& item : j) list.push_back(to_data(item));
      return list;
    }
    case json::value_t::string:
      return mustache::data(j.get<std::string>());
    case json::value_t::boolean:
      return mustache::data(j.get<bool>());
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float:
      return mustache::data(j.dump());
    default:
      return mustache::data(false);
  }
}

// kainjow's context, plus the strict rule for marked (variable) names. The
// first failure is kept; kainjow renders on (an empty value) and the caller
// throws it afterwards.
class StrictContext final : public mustache::basic_context<std::string> {
 public:
  explicit StrictContext(const mustache::data* root) : inner_(root) {}

  void push(const mustache::data* data) override { inner_.push(data); }
  void pop() override { inner_.pop(); }

  const mustache::data* get(const std::string& name) const override {
    if (name.empty() || name[0] != kMark) return inner_.get(name);
    const std::string tag = "{{" + name.substr(1) + "}}";
    const mustache::data* value = inner_.get(name.substr(1));
    if (value == nullptr) return fail(tag + " has no value");
    if (value->is_string()) return value;
    if (value->is_bool()) return value->is_true() ? &true_ : &false_;
    return fail(tag + " is " + (value->is_list() ? "a list" : "an object") +
                ", not a value (a section, {{#...}}, walks it)");
  }

  const mustache::data* get_partial(const std::string& name) const override {
    return fail("{{>" + name + "}}: partials are not supported");
  }

  const std::string& error() const { return error_; }

 private:
  const mustache::data* fail(const std::string& why) const {
    if (error_.empty()) error_ = why;
    return nullptr;
  }

  mustache::context<std::string> inner_;
  const mustache::data true_{std::string("true")}, false_{std::string("false")};
  mutable std::string error_;
};

mustache::mustache parse(const std::string& text, const std::string& name) {
  mustache::mustache tmpl{mark_variables(text)};
  if (!tmpl.is_valid()) throw std::runtime_error("template " + name + ": " + tmpl.error_message());
  // Config files, not HTML; variables are all unescaped anyway, this covers
  // whatever kainjow might still escape.
  tmpl.set_custom_escape([](const std::string& s) { return s; });
  return tmpl;
}

// A registration's "ports" ({"8080": 31007}) as [{container, host}], by container port.
json port_list(const json& ports) {
  json list = json::array();
  if (!ports.is_object()) return list;
  for (const auto& [container, host] : ports.items()) {
    const auto number = parse_integer<int>(container);
    list.push_back({{"container", number ? json(*number) : json(container)}, {"host", host}});
  }
  std::stable_sort(list.begin(), list.end(), [](const json& a, const json& b) {
    const bool an = a["container"].is_number(), bn = b["container"].is_number();
    if (an != bn) return an;  // numbers first, then names
    return a["container"] < b["container"];
  });
  return list;
}

// A registration's "ports" as {container port -> host port}: the list walks
// every port, this picks one by name ({{host_port.8000}}), which a pod with
// several ports (the control port is always one) needs for a server line.
json host_ports(const json& ports) {
  json object = json::object();
  if (!ports.is_object()) return object;
  for (const auto& [container, host] : ports.items()) object[container] = host;
  return object;
}

// {uuid -> registration} as the view's list of pods, in key order.
json pod_list(const json& pods) {
  json list = json::array();
  if (!pods.is_object()) return list;
  int index = 0;
  for (const auto& [uuid, registration] : pods.items()) {  // json objects iterate sorted
    json pod = {{"uuid", uuid}, {"index", index++}};
    if (registration.is_object()) {
      for (const char* key : {"seq", "ip", "public"}) {
        if (registration.contains(key)) pod[key] = registration[key];
      }
      const json ports = registration.value("ports", json());
      pod["ports"] = port_list(ports);
      pod["host_port"] = host_ports(ports);
    } else {
      pod["ports"] = json::array();
      pod["host_port"] = json::object();
    }
    list.push_back(std::move(pod));
  }
  return list;
}

// ochopod_zk without the user:pass@ of a zk:// URL. (The pod's ZooKeeper
// credential redaction for registrations and logs is its own piece of work;
// the view only needs this one cut, done here.)
std::string without_credentials(const std::string& zk) {
  const auto scheme = zk.find("://");
  const size_t hosts = scheme == std::string::npos ? 0 : scheme + 3;
  const auto slash = zk.find('/', hosts);
  const auto at = zk.rfind('@', slash == std::string::npos ? std::string::npos : slash);
  if (at == std::string::npos || at < hosts) return zk;
  return zk.substr(0, hosts) + zk.substr(at + 1);
}

}  // namespace

json template_view(const Cluster& cluster, const std::map<std::string, std::string>& environment) {
  const json& pods = cluster.pods();
  json view = {{"key", cluster.key},   {"index", cluster.index}, {"seq", cluster.seq},
               {"size", cluster.size}, {"pods", pod_list(pods)}, {"dependencies", json::object()}};
  if (cluster.dependencies.is_object()) {
    for (const auto& [name, members] : cluster.dependencies.items())
      view["dependencies"][name] = pod_list(members);
  }
  if (pods.is_object() && pods.contains(cluster.key)) view["self"] = pods[cluster.key];
  json env = json::object();
  for (const auto& [name, value] : environment) {
    // Secrets never reach a rendered file (the pod also keeps them from the child).
    if (name == "ochopod_token" || name == "ochopod_token_file") continue;
    env[name] = name == "ochopod_zk" ? without_credentials(value) : value;
  }
  view["env"] = std::move(env);
  return view;
}

std::string render_template(const std::string& text, const json& view, const std::string& name) {
  auto tmpl = parse(text, name);
  const mustache::data data = to_data(view);
  StrictContext context(&data);
  std::string out = tmpl.render(context);
  if (!context.error().empty())
    throw std::runtime_error("template " + name + ": " + context.error());
  if (!tmpl.is_valid()) throw std::runtime_error("template " + name + ": " + tmpl.error_message());
  return out;
}

std::string render_template(const std::string& text, const Cluster& cluster,
                            const std::map<std::string, std::string>& environment,
                            const std::string& name) {
  return render_template(text, template_view(cluster, environment), name);
}

void check_template(const std::string& text, const std::string& name) { parse(text, name); }

}  // namespace ochopod
