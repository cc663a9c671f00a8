// Templates: configuration files rendered from the cluster a pod is
// configured with (docs/run.md, "Templates"). `ochopod run --template` renders
// its files with these at every `on`; a C++ pod may call them from
// configure() or reconfigure() the same way:
//
//   ochopod::Configuration configure(const ochopod::Cluster& cluster) override {
//     const auto conf = ochopod::render_template(
//         "{{#pods}}server {{ip}}:{{host_port.6379}}\n{{/pods}}", cluster,
//         {}, "peers.conf");  // {}: no `env` for this one
//     ... write conf ...
//   }
//
// Mustache (kainjow's renderer), with two rules for config files: nothing is
// HTML-escaped (`{{x}}` renders like `{{{x}}}`), and a variable tag that
// resolves to nothing (or to a list or an object) is an error naming the tag
// and the template, while a section or an inverted section on an absent key
// is plain Mustache (false). Partials are not supported. Pure functions, any
// thread.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "ochopod/cluster.h"

namespace ochopod {

// What a template sees: `key`, `index`, `seq`, `size`; `pods`, a list sorted
// by key, each pod {uuid, seq, ip, public, index, ports: [{container, host}],
// host_port: {"<container>": host}};
// `dependencies`, each dependency name -> such a list; `self`, the pod's own
// registration (pods[key]); `env`, `environment` without its secrets
// (ochopod_token and ochopod_token_file are left out, the credentials of a
// zk:// URL in ochopod_zk are cut).
nlohmann::json template_view(const Cluster& cluster,
                             const std::map<std::string, std::string>& environment);

// Renders Mustache `text` against `view` (any JSON object: numbers render as
// written, booleans as true/false). Throws std::runtime_error naming `name`
// and, for a missing value, its tag: "template peers.conf: {{ip}} has no value".
std::string render_template(const std::string& text, const nlohmann::json& view,
                            const std::string& name = "template");

// render_template(text, template_view(cluster, environment), name).
std::string render_template(const std::string& text, const Cluster& cluster,
                            const std::map<std::string, std::string>& environment,
                            const std::string& name = "template");

// Throws std::runtime_error (naming `name`) when `text` is not valid Mustache
// (an unclosed tag or section...): lets a pod refuse a template at boot
// rather than at its first `on`.
void check_template(const std::string& text, const std::string& name = "template");

}  // namespace ochopod
