// Templates (ochopod/template.h): Mustache, made strict, with the view a pod
// renders from its cluster.
//
// kainjow's renderer, which does the parsing and rendering, lives in a
// module loaded by the first template checked or rendered
// (models/templates/backend.h says why). It has no strict mode and its
// context cannot tell a variable lookup from a section's: both call
// get(name). So before it parses, every variable tag is rewritten here into
// an unescaped one whose name starts with kVariableMark (`{{ip}}` ->
// `{{&\x1fip}}`); the module's context strips the mark and reports a marked
// name that resolves to nothing, and leaves unmarked (section) names plain
// Mustache. The rewrite follows kainjow's own tag scanning, delimiter
// changes included.
#include "ochopod/template.h"

#include <stdexcept>
#include <string_view>

#include "models/templates/backend.h"
#include "runtime/base/module.h"
#include "runtime/base/numbers.h"
#include "runtime/base/text.h"

namespace ochopod {

namespace {

using detail::kVariableMark;
using nlohmann::json;

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
// `<open>&<kVariableMark>x<close>`. Where the scan meets what kainjow will refuse (an
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
      out += open + "&" + kVariableMark + name + close;
    } else {
      out.append(text, at, next - at);
    }
    pos = next;
  }
  out.append(text, pos);
  return out;
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

// The module's renderer; throws std::runtime_error naming the template when
// it cannot be loaded (the reason is logged once).
const detail::MustacheBackend& renderer(const std::string& name) {
  std::string error;
  const auto* backend = load_backend_once<detail::MustacheBackend>(
      detail::kMustacheModuleFile, detail::kMustacheModuleEntry, detail::mustache_backend_abi(),
      "templates: no renderer", &error);
  if (backend == nullptr) throw std::runtime_error("template " + name + ": " + error);
  return *backend;
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
  std::string out, error;
  if (!renderer(name).render(mark_variables(text), view, &out, &error))
    throw std::runtime_error("template " + name + ": " + error);
  return out;
}

std::string render_template(const std::string& text, const Cluster& cluster,
                            const std::map<std::string, std::string>& environment,
                            const std::string& name) {
  return render_template(text, template_view(cluster, environment), name);
}

void check_template(const std::string& text, const std::string& name) {
  std::string error;
  if (!renderer(name).check(mark_variables(text), &error))
    throw std::runtime_error("template " + name + ": " + error);
}

}  // namespace ochopod
