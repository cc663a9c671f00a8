// Table-driven parsing of `ochopod run` options (see options.h and docs/run.md).
#include "cli/run/options.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <string_view>
#include <type_traits>
#include <variant>

#include "bindings/binding.h"
#include "models/checks/health_check.h"
#include "models/child/identity.h"
#include "models/templates/template_files.h"
#include "runtime/base/numbers.h"
#include "runtime/base/text.h"
#include "runtime/pod/log.h"
#include "runtime/process/signal_names.h"
#include "runtime/zk/acl.h"

namespace ochopod::cli {
namespace {

// The RunOptions member an option writes; its type decides how values parse.
using Field = std::variant<double RunOptions::*, int RunOptions::*, bool RunOptions::*,
                           std::string RunOptions::*, std::optional<std::string> RunOptions::*,
                           std::vector<std::string> RunOptions::*>;

// An extra check on a text value (on each item, for a list).
struct Rule {
  bool (*ok)(std::string_view);
  std::string_view expects;  // for the error: "--x expects <expects>, got '...'"
};

// Only IP literals (and localhost): a name would need a DNS lookup on the
// lifecycle thread at every check.
const Rule kHealth{
    [](std::string_view s) { return parse_health_target(std::string(s)).has_value(); },
    "http://<ip literal or localhost>:<port>/<path> or tcp:<port 1-65535>"};
const Rule kReady{[](std::string_view s) {
                    return (s.starts_with("cmd:") && trim(s.substr(4), " \t").size() > 0) ||
                           parse_health_target(std::string(s)).has_value();
                  },
                  "a --health form or cmd:<command>"};
const Rule kSignal{[](std::string_view s) { return parse_signal_name(s).has_value(); },
                   "a signal name (SIGHUP, HUP) or number"};
const Rule kDrain{
    [](std::string_view s) { return s.starts_with("tcp:") && parse_port(s.substr(4)).has_value(); },
    "tcp:<port 1-65535>"};
// The words of the owners of these vocabularies: the bindings, the ACL
// modes (with credentials, so that every mode is one), the log formats.
const std::string kBindingWords = one_of(kBindingNames);
const Rule kBinding{[](std::string_view s) {
                      return std::find(kBindingNames.begin(), kBindingNames.end(), s) !=
                             kBindingNames.end();
                    },
                    kBindingWords};
const Rule kZkAcl{[](std::string_view s) {
                    std::string error;
                    return choose_zk_acl(s, /*has_credentials=*/true, &error).has_value();
                  },
                  "open, read or private"};
const std::string kLogFormatWords = one_of(log::kFormatNames);
const Rule kLogFormat{[](std::string_view s) { return log::parse_format(s).has_value(); },
                      kLogFormatWords};
const Rule kTool{[](std::string_view s) {
                   const auto eq = s.find('=');
                   // A word as CommandTool splits the command (on any whitespace).
                   return eq != 0 && eq != s.npos &&
                          std::any_of(s.begin() + eq + 1, s.end(),
                                      [](unsigned char c) { return !std::isspace(c); });
                 },
                 "<tag>=<command>"};

const Rule kCode{[](std::string_view s) {
                   const auto n = parse_integer<int>(s);
                   return n && *n >= 0 && *n <= 255;
                 },
                 "an exit code 0-255"};
const Rule kCount{[](std::string_view s) { return parse_integer<int>(s).value_or(-1) >= 0; },
                  "a whole number >= 0"};
const Rule kJob{[](std::string_view s) { return parse_named(s).has_value(); },
                "<name>=<command> (name: letters, digits, _ . -)"};
const Rule kJobReady{[](std::string_view s) {
                       const auto named = parse_named(s);
                       return named && kReady.ok(named->value);
                     },
                     "<job name>=<a --ready form>"};
const Rule kPeriodic{[](std::string_view s) {
                       const auto named = parse_named(s);
                       return named && parse_periodic(named->value).has_value();
                     },
                     "<name>=<seconds>:<command>"};
const Rule kVariable{[](std::string_view s) {
                       return !s.empty() && !std::isdigit(static_cast<unsigned char>(s[0])) &&
                              std::all_of(s.begin(), s.end(), [](unsigned char c) {
                                return std::isalnum(c) || c == '_';
                              });
                     },
                     "environment variable names"};
const Rule kUser{[](std::string_view s) {
                   std::string error;
                   return detail::resolve_identity(std::string(s), &error).has_value();
                 },
                 "an existing <user>[:<group>] (name or number)"};

const Rule kTemplate{
    [](std::string_view s) { return detail::parse_template_spec(std::string(s)).has_value(); },
    "<src>:<dst>"};

// Does a list item start here? By default at every comma; a --tool command
// may hold commas itself, so there a comma starts a new tool only before
// `<tag>=` (a tag: a letter, digit or _, then letters, digits, _ . -).
bool always(std::string_view) { return true; }
bool starts_tool(std::string_view rest) {
  const auto first = rest.find_first_not_of(" \t");
  if (first == rest.npos) return false;  // a trailing comma is the command's
  rest = rest.substr(first);
  const auto word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  if (!word(rest[0])) return false;
  for (size_t i = 1; i < rest.size(); ++i) {
    if (rest[i] == '=') return true;
    if (!word(rest[i]) && rest[i] != '.' && rest[i] != '-') return false;
  }
  return false;
}

struct Option {
  std::string_view name;  // without the leading "--"; the env twin derives from it
  Field field;
  std::string_view type;  // as in docs/run.md, for --help
  std::string_view meaning;
  const Rule* rule = nullptr;
  std::string_view unset = "none";  // --help's default for options that have no value by default
  bool positive = false;            // a duration that must be > 0 (raised to kMinInterval)
  bool (*item_starts)(std::string_view rest) = always;  // lists: may a comma end an item here?
};

// Intervals and timeouts below this would make loops spin and rounds fail.
constexpr double kMinInterval = 0.1;

// Every option of `ochopod run`, in docs/run.md's order. One line per option.
const Option kOptions[] = {
    {"session-timeout", &RunOptions::session_timeout, "duration",
     "ZooKeeper session timeout requested"},
    {"bind", &RunOptions::bind, "address", "address the control port listens on"},
    {"check-every", &RunOptions::check_every, "duration", "sanity check interval", nullptr, "none",
     true},
    {"checks", &RunOptions::checks, "int", "sanity checks allowed to fail in a row"},
    {"grace", &RunOptions::grace, "duration", "stop grace: SIGTERM -> SIGKILL delay"},
    {"shell", &RunOptions::shell, "flag", "run argv through /bin/sh -c"},
    {"strict", &RunOptions::strict, "flag", "restart the child on every leader `on`"},
    {"soft", &RunOptions::soft, "flag", "never SIGKILL"},
    {"pipe", &RunOptions::pipe, "flag", "child stdout/stderr into the pod log"},
    {"cwd", &RunOptions::cwd, "path", "child working directory", nullptr, "pod's"},
    {"sanity", &RunOptions::sanity, "command",
     "run by /bin/sh -c every check; non-zero or timeout fails; a JSON object on stdout "
     "becomes `metrics`"},
    {"health", &RunOptions::health, "list",
     "http://127.0.0.1:<port>/<path> (2xx passes) or tcp:<port> (connect passes), checked "
     "every check",
     &kHealth},
    {"exit-with-child", &RunOptions::exit_with_child, "flag",
     "the pod exits with its child's code (128+n for signal n) once the child exits and no "
     "restart is left (none without --max-restarts); after SIGTERM: 0, or 137 if the child "
     "had to be SIGKILLed"},
    {"max-restarts", &RunOptions::max_restarts, "int",
     "restarts allowed to a failing child; then it stays down (the pod dead, or exiting with "
     "--exit-with-child)",
     &kCount, "none: forever"},
    {"success-codes", &RunOptions::success_codes, "list",
     "exit codes that count as success besides 0 (e.g. 143): the pod's work is done", &kCode},
    {"liveness", &RunOptions::liveness, "check",
     "http://..., tcp:<port> or cmd:<command>, run every --check-every after --start-period: "
     "--checks failures in a row restart the child",
     &kReady},
    {"start-period", &RunOptions::start_period, "duration",
     "after each start of the child, liveness failures do not count for this long"},
    {"job", &RunOptions::jobs, "list",
     "<name>=<command>: a sidecar run by /bin/sh -c, started before the child, restarted when "
     "it dies, stopped after the child; a comma starts a new job only before <name>=",
     &kJob, "none", false, starts_tool},
    {"job-ready", &RunOptions::job_ready, "list",
     "<name>=<check>: the child starts once that --job passes the check (a --ready form)",
     &kJobReady, "none", false, starts_tool},
    {"job-grace", &RunOptions::job_grace, "duration",
     "a job's stop grace: SIGTERM -> SIGKILL delay"},
    {"periodic", &RunOptions::periodic, "list",
     "<name>=<seconds>:<command>: run by /bin/sh -c every period while the pod supervises its "
     "child, never two runs at once (a long run delays the next)",
     &kPeriodic, "none", false, starts_tool},
    {"periodic-timeout", &RunOptions::periodic_timeout, "duration",
     "a periodic run still going after this is killed with its group (0: ten periods)"},
    {"pre-start", &RunOptions::pre_start, "command",
     "run by /bin/sh -c before each start of the child; failing fails that start as a failed "
     "configuration does"},
    {"post-stop", &RunOptions::post_stop, "command",
     "run by /bin/sh -c after each stop or exit of the child; failing is logged"},
    {"hook-timeout", &RunOptions::hook_timeout, "duration", "bound of --pre-start and --post-stop",
     nullptr, "none", true},
    {"env-file", &RunOptions::env_files, "list",
     "files of KEY=VALUE lines read at each start of the child, into its environment"},
    {"file-env", &RunOptions::file_env, "list",
     "NAME,...: the child gets NAME with the contents of the file $NAME_FILE names (Docker's "
     "*_FILE convention, opt-in by name)",
     &kVariable},
    {"user", &RunOptions::user, "user",
     "<user>[:<group>]: the child and its jobs run as that user with its supplementary groups "
     "(hooks and the pod keep theirs)",
     &kUser, "the pod's"},
    {"damper", &RunOptions::damper, "duration", "reactive damper"},
    {"depends-on", &RunOptions::depends_on, "list", "dependencies (relative, /absolute, glob)"},
    {"full-shutdown", &RunOptions::full_shutdown, "flag", "all pods off before any on"},
    {"sequential", &RunOptions::sequential, "flag", "contact pods one at a time"},
    {"control-timeout", &RunOptions::control_timeout, "duration",
     "the model's `grace`: seconds a pod has to answer a control request", nullptr, "none", true},
    {"probe-every", &RunOptions::probe_every, "duration", "probe interval", nullptr, "none", true},
    {"probe", &RunOptions::probe, "command",
     "run by /bin/sh -c on the leader; stdout -> `status`, non-zero -> `* <stderr or exit code>`"},
    {"binding", &RunOptions::binding, "name", kBindingWords, &kBinding, "auto"},
    {"zk-acl", &RunOptions::zk_acl, "name",
     "ACL of the cluster's ZooKeeper nodes: open, read (world reads, the credentials' user "
     "writes) or private (only that user); read and private need zk://user:pass@...",
     &kZkAcl, "read with credentials, else open"},
    {"tool", &RunOptions::tools, "list",
     "<tag>=<command>: an /exec tool running the command (split on spaces, no shell) with the "
     "call's arguments appended, in the upload dir; a comma starts a new tool only before "
     "<tag>=",
     &kTool, "none", false, starts_tool},
    {"restart-backoff", &RunOptions::restart_backoff, "duration",
     "cap of the crash-loop backoff (0: restart at once, always)"},
    {"token-file", &RunOptions::token_file, "path",
     "file holding the control token every caller must send as `Authorization: Bearer`; "
     "the leader sends it to every pod (else $ochopod_token holds the token itself)"},
    {"tls-cert", &RunOptions::tls_cert, "path",
     "PEM certificate chain: serve the control port "
     "over HTTPS (with --tls-key)"},
    {"tls-key", &RunOptions::tls_key, "path", "PEM private key of --tls-cert"},
    {"tls-ca", &RunOptions::tls_ca, "path",
     "PEM CA the pods this leader calls must chain to (host names are not checked)", nullptr,
     "system's"},
    {"template", &RunOptions::templates, "list",
     "<src>:<dst>: a Mustache file rendered from the configuration at every `on` (atomically, "
     "with the source's mode); a variable with no value fails the `on`",
     &kTemplate},
    {"on-change", &RunOptions::on_change, "command",
     "run by /bin/sh -c when a re-render changed a running child's files, instead of "
     "restarting it (needs --template)"},
    {"reload-signal", &RunOptions::reload_signal, "signal",
     "sent to the child's group instead of --on-change", &kSignal},
    {"ready", &RunOptions::ready, "check",
     "http://..., tcp:<port> or cmd:<command>: after a start, `on` answers 200 only once it "
     "passes (polled every 0.2 s), 408 after the control timeout (the child keeps running)",
     &kReady},
    {"stop-signal", &RunOptions::stop_signal, "signal", "the default tear down's signal", &kSignal},
    {"drain", &RunOptions::drain, "check",
     "tcp:<port>: before the stop signal, wait (up to grace) until no established connection "
     "is left on that local port",
     &kDrain},
    {"leave-delay", &RunOptions::leave_delay, "duration",
     "once out of its dependents' view (its cluster's snapshot), keep serving this long before "
     "draining and stopping the child (pod stop, off, restart, kill)"},
    {"stop-timeout", &RunOptions::stop_timeout, "duration",
     "the whole stop's budget after SIGTERM: leave, leave delay, drain, stop signal, SIGKILL, "
     "session close (0: none, each step bounded by its own setting)"},
    {"log-format", &RunOptions::log_format, "name",
     "text, or json: one JSON object a line (time, level, thread, message, cluster, namespace, "
     "seq), for the pod's own lines, ZooKeeper's and, with --pipe, the child's",
     &kLogFormat, "text"},
};

const Option* find_option(std::string_view name) {
  for (const auto& o : kOptions)
    if (o.name == name) return &o;
  return nullptr;
}

bool is_flag(const Option& o) { return std::holds_alternative<bool RunOptions::*>(o.field); }

std::string twin(std::string_view name) {
  std::string var = "ochopod_" + std::string(name);
  for (auto& c : var)
    if (c == '-') c = '_';
  return var;
}

// Checks a text value (or list item); returns the error after the option's name, or "".
std::string check_text(const Option& o, std::string_view value) {
  if (value.empty()) return "needs a value";
  if (o.rule && !o.rule->ok(value))
    return "expects " + std::string(o.rule->expects) + ", got '" + std::string(value) + "'";
  return {};
}

// Stores `value` (for a flag, "true" or "false") into the option's field; returns the
// error after the option's name, or "". A value it had to change is reported
// in *warning (after the option's name).
std::string assign(const Option& o, const std::string& value, RunOptions& out,
                   std::string* warning) {
  return std::visit(
      [&](auto field) -> std::string {
        auto& target = out.*field;
        using T = std::remove_reference_t<decltype(target)>;
        const std::string got = ", got '" + value + "'";
        if constexpr (std::is_same_v<T, double>) {
          const auto parsed = parse_decimal(value);
          if (!parsed || *parsed < 0) return "expects a duration in seconds" + got;
          double d = *parsed;
          if (o.positive && d == 0) return "must be more than 0 seconds" + got;
          if (o.positive && d < kMinInterval) {
            *warning = "raised to the minimum of 0.1 seconds" + got;
            d = kMinInterval;
          }
          target = d + 0.0;  // -0 -> 0
        } else if constexpr (std::is_same_v<T, int>) {
          const auto n = parse_integer<int>(value);
          if (!n || *n < 0) return "expects a whole number >= 0" + got;
          target = *n;
        } else if constexpr (std::is_same_v<T, bool>) {
          if (value != "true" && value != "false") return "must be true or false" + got;
          target = value == "true";
        } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
          for (std::string_view rest = value; !rest.empty();) {
            auto comma = rest.find(',');
            while (comma != rest.npos && !o.item_starts(rest.substr(comma + 1)))
              comma = rest.find(',', comma + 1);
            const auto item = trim(rest.substr(0, comma), " \t");
            rest = comma == rest.npos ? std::string_view{} : rest.substr(comma + 1);
            if (item.empty()) continue;
            if (auto error = check_text(o, item); !error.empty()) return error;
            target.emplace_back(item);
          }
        } else {  // std::string or std::optional<std::string>
          if (auto error = check_text(o, value); !error.empty()) return error;
          target = value;
        }
        return {};
      },
      o.field);
}

// The default --help shows, read off a default-constructed RunOptions.
std::string default_text(const Option& o) {
  static const RunOptions defaults;
  return std::visit(
      [&](auto field) -> std::string {
        const auto& value = defaults.*field;
        using T = std::remove_cvref_t<decltype(value)>;
        if constexpr (std::is_same_v<T, double>) {
          char buffer[32];
          const auto end = std::to_chars(buffer, buffer + sizeof buffer, value).ptr;
          return std::string(buffer, end);
        } else if constexpr (std::is_same_v<T, int>) {
          return std::to_string(value);
        } else if constexpr (std::is_same_v<T, bool>) {
          return value ? "on" : "off";
        } else if constexpr (std::is_same_v<T, std::string>) {
          return value;
        } else {
          return std::string(o.unset);
        }
      },
      o.field);
}

ParseResult failure(const std::string& message) {
  return {std::nullopt, "ochopod run: " + message, {}};
}

}  // namespace

ParseResult parse_run_options(const std::vector<std::string>& args, const Environment& env) {
  RunOptions out;
  std::vector<std::string> warnings;
  // The command line first; each option it sets shadows its environment twin.
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--") {
      out.argv.assign(args.begin() + static_cast<std::ptrdiff_t>(i) + 1, args.end());
      break;
    }
    if (arg == "-h" || arg == "--help") {
      out.help = true;
      continue;
    }
    if (!arg.starts_with("--")) {
      if (arg.starts_with("-") && arg.size() > 1) return failure("unknown option " + arg);
      return failure("unexpected argument '" + arg + "' (the command goes after --)");
    }
    const auto eq = arg.find('=');
    const std::string label = arg.substr(0, eq);  // "--name"
    const Option* option = find_option(std::string_view(label).substr(2));
    if (option == nullptr) {
      if (label == "--help") return failure("--help takes no value");
      return failure("unknown option " + label);
    }
    std::string value = "true";
    if (eq != arg.npos) {
      if (is_flag(*option)) return failure(label + " takes no value");
      value = arg.substr(eq + 1);
    } else if (!is_flag(*option)) {
      if (i + 1 == args.size() || args[i + 1].starts_with("--"))
        return failure(label + " needs a value");
      value = args[++i];
    }
    std::string warning;
    if (auto error = assign(*option, value, out, &warning); !error.empty())
      return failure(label + " " + error);
    if (!warning.empty()) warnings.push_back("ochopod run: " + label + " " + warning);
    out.given.emplace(option->name);
  }
  for (const auto& option : kOptions) {
    const auto var = env.find(twin(option.name));
    if (var == env.end() || out.given.contains(std::string(option.name))) continue;
    std::string warning;
    if (auto error = assign(option, var->second, out, &warning); !error.empty())
      return failure(var->first + " " + error);
    if (!warning.empty()) warnings.push_back("ochopod run: " + var->first + " " + warning);
    out.given.emplace(option.name);
  }
  // A reload acts on rendered files: without any it would never run.
  for (const char* reload : {"on-change", "reload-signal"}) {
    if (out.given.contains(reload) && out.templates.empty())
      return failure(std::string("--") + reload + " needs --template");
  }
  if (out.on_change && out.reload_signal)
    return failure("--on-change and --reload-signal exclude each other");
  // Jobs are named once, across both kinds: names tag lines and label metrics.
  std::set<std::string> names;
  for (const auto* list : {&out.jobs, &out.periodic}) {
    for (const auto& job : *list) {
      const auto name = parse_named(job)->name;
      if (!names.insert(name).second) return failure("job name '" + name + "' used twice");
    }
  }
  for (const auto& ready : out.job_ready) {
    const auto name = parse_named(ready)->name;
    const bool known = std::any_of(out.jobs.begin(), out.jobs.end(),
                                   [&](const auto& job) { return parse_named(job)->name == name; });
    if (!known) return failure("--job-ready names '" + name + "', which is no --job");
  }
  if (!out.help && out.argv.empty())
    return failure("no command given (ochopod run [options] -- <command...>)");
  return {std::move(out), {}, std::move(warnings)};
}

std::optional<NamedValue> parse_named(std::string_view text) {
  const auto eq = text.find('=');
  if (eq == 0 || eq == text.npos) return std::nullopt;
  const auto name = text.substr(0, eq);
  const bool ok = std::all_of(name.begin(), name.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '_' || c == '.' || c == '-';
  });
  const auto value = trim(text.substr(eq + 1), " \t");
  if (!ok || value.empty()) return std::nullopt;
  return NamedValue{std::string(name), std::string(value)};
}

std::optional<PeriodicValue> parse_periodic(std::string_view value) {
  const auto colon = value.find(':');
  if (colon == value.npos) return std::nullopt;
  const auto every = parse_decimal(std::string(value.substr(0, colon)));
  const auto command = trim(value.substr(colon + 1), " \t");
  if (!every || !(*every >= kMinInterval) || !std::isfinite(*every) || command.empty())
    return std::nullopt;
  return PeriodicValue{*every, std::string(command)};
}

std::vector<std::string> run_option_names() {
  std::vector<std::string> names;
  for (const auto& o : kOptions) names.emplace_back(o.name);
  return names;
}

std::string run_help() {
  std::string help =
      "usage: ochopod run [options] -- <command...>\n"
      "\n"
      "Runs <command...> as an ochopod pod. Every option has an environment twin, ochopod_ +\n"
      "its name with - turned into _; the command line wins. --name value and --name=value\n"
      "both work. Durations are seconds (decimals allowed); --check-every, --probe-every\n"
      "and --control-timeout must be more than 0 (below 0.1 they are raised to 0.1).\n"
      "Flags take no value; their twins take true or false. Lists: repeat the option or\n"
      "comma-separate its values; their twins are comma-separated. The command runs exactly\n"
      "as given (with --shell, joined with spaces and run by /bin/sh -c).\n"
      "\n"
      "options:\n";
  for (const auto& o : kOptions) {
    help += "  --" + std::string(o.name);
    if (!is_flag(o)) help += " <" + std::string(o.type) + ">";
    help += "  (" + std::string(o.type) + ", default " + default_text(o) + ", env " + twin(o.name) +
            (is_flag(o) ? "=true|false" : "") + ")\n      " + std::string(o.meaning) + "\n";
  }
  help += "  -h, --help\n      this text\n";
  return help;
}

}  // namespace ochopod::cli
