// The marathon binding: Marathon's variables place the pod; the ZooKeeper
// address comes from ochopod_zk or, like ochopod, from the Mesos agent's own
// configuration (MESOS_MASTER=zk://...), of which only host:port,... is kept.
#include <arpa/inet.h>
#include <netdb.h>

#include <fstream>
#include <sstream>

#include "bindings/common.h"
#include "runtime/base/text.h"

namespace ochopod {

std::vector<std::string> mesos_config_files(const Environment& env) {
  const std::string custom = binding::get(env, "OCHOPOD_MESOS_FILES");
  if (custom.empty()) {
    return {"/opt/mesosphere/etc/mesos-slave-common", "/opt/mesosphere/etc/mesos-slave",
            "/etc/mesos/zk"};
  }
  std::vector<std::string> out;
  std::stringstream in(custom);
  for (std::string item; std::getline(in, item, ',');) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

namespace binding {

namespace {

// "zk://a:1,b:2/mesos" -> "a:1,b:2" (credentials and chroot dropped).
std::string hosts_of(std::string url) {
  constexpr std::string_view kScheme = "zk://";
  if (url.rfind(kScheme, 0) == 0) url = url.substr(kScheme.size());
  const size_t at = url.find('@');
  const size_t slash = url.find('/');
  if (at != std::string::npos && (slash == std::string::npos || at < slash))
    url = url.substr(at + 1);
  return url.substr(0, url.find('/'));
}

// The first zk:// address found in the Mesos agent's files, or "".
std::string zk_from_mesos(const Environment& env) {
  for (const auto& path : mesos_config_files(env)) {
    std::ifstream in(path);
    for (std::string text; std::getline(in, text);) {
      // Spaces, and a CRLF file's \r.
      std::string_view line = trim(text, " \r\n");
      constexpr std::string_view kPrefix = "MESOS_MASTER=";
      if (line.starts_with(kPrefix)) line = trim(line.substr(kPrefix.size()), " \r\n");
      if (line.starts_with("zk://")) return hosts_of(std::string(line));
    }
  }
  return "";
}

std::string resolve_ipv4(const std::string& host) {
  in_addr addr{};
  if (::inet_pton(AF_INET, host.c_str(), &addr) == 1) return host;
  addrinfo hints{};
  hints.ai_family = AF_INET;
  addrinfo* found = nullptr;
  if (::getaddrinfo(host.c_str(), nullptr, &hints, &found) != 0 || found == nullptr) return "";
  char text[INET_ADDRSTRLEN] = {};
  ::inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(found->ai_addr)->sin_addr, text,
              sizeof text);
  ::freeaddrinfo(found);
  return text;
}

}  // namespace

BindingResult resolve_marathon(const Environment& env) {
  const bool local = is_true(get(env, "ochopod_local", "false"));
  std::vector<const char*> required = {"MARATHON_APP_ID", "MESOS_TASK_ID"};
  if (!local) required.push_back("HOST");
  for (const char* name : required) {
    if (get(env, name).empty()) {
      return BindingResult{std::nullopt, std::string("marathon binding: ") + name + " is not set"};
    }
  }
  Placement p;
  std::string app = get(env, "MARATHON_APP_ID");
  if (!app.empty() && app[0] == '/') app = app.substr(1);
  p.application = app;
  p.task = get(env, "MESOS_TASK_ID");
  const std::string host = get(env, "HOST");
  p.node = host;
  if (!local) {
    p.ip = resolve_ipv4(host);
    if (p.ip.empty()) {
      return BindingResult{std::nullopt, "marathon binding: HOST '" + host + "' does not resolve"};
    }
    p.public_ip = p.ip;
  }
  return finish(env, "marathon", p, get(env, "ochopod_zk").empty() ? zk_from_mesos(env) : "");
}

}  // namespace binding
}  // namespace ochopod
