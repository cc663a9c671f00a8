#include "cli/ops/args.h"

#include <cmath>
#include <csignal>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "ochopod/secret.h"
#include "runtime/base/numbers.h"
#include "runtime/process/signal_names.h"
#include "runtime/zk/address.h"

namespace ochopod::cli {

namespace {

enum Id : int {
  kZk,
  kCluster,
  kIndex,
  kTimeout,
  kTokenFile,
  kTlsCa,
  kJson,
  kForce,
  kLong,
  kFile,
  kSignal,
  kHelp
};

// Every flag of every subcommand; applies() says which a syntax accepts.
constexpr FlagSpec kFlags[] = {
    {kZk, 0, "zk", "<hosts>", "ZooKeeper to read (host:port,... or zk://...); else $OCHOPOD_ZK"},
    {kCluster, 'c', "cluster", "<glob>",
     "cluster glob matched against <namespace>.<cluster> (repeatable; default *)"},
    {kIndex, 'i', "indices", "<seq,...>",
     "only the pods with these seq numbers, in each cluster (repeatable)"},
    {kTimeout, 't', "timeout", "<seconds>", "time each pod gets to answer (default 5)"},
    {kTokenFile, 0, "token-file", "<path>",
     "file holding the clusters' control token; else $OCHOPOD_TOKEN holds it"},
    {kTlsCa, 0, "tls-ca", "<path>",
     "PEM CA that pods serving HTTPS must chain to; else $OCHOPOD_TLS_CA, else the system's"},
    {kJson, 'j', "json", nullptr, "print one JSON object instead of a table"},
    {kForce, 0, "force", nullptr, "act on every selected pod (needed when -i is not given)"},
    {kLong, 'l', "long", nullptr, "the whole log instead of its last lines"},
    {kFile, 'f', "file", "<path>", "upload this file (field = its base name; repeatable)"},
    {kSignal, 's', "signal", "<SIG>",
     "send this Unix signal (USR1, SIGUSR1 or a number) to the child's process group of "
     "`ochopod run` pods: the body {\"signal\": \"<SIG>\"}"},
    {kHelp, 'h', "help", nullptr, "this help"},
};

// Where the subcommands' help puts the flags' meanings.
constexpr size_t kHelpWidth = 26;

bool applies(const FlagSpec& flag, const OpsSyntax& syntax) {
  switch (flag.id) {
    case kForce:
      return syntax.needs_force;
    case kLong:
      return syntax.long_flag;
    case kFile:
      return syntax.file_flag;
    case kSignal:
      return syntax.signal_flag;
    default:
      return true;
  }
}

std::vector<FlagSpec> flags_of(const OpsSyntax& syntax) {
  std::vector<FlagSpec> flags;
  for (const auto& f : kFlags) {
    if (applies(f, syntax)) flags.push_back(f);
  }
  return flags;
}

// Non-negative integer, the whole string.
std::optional<int> to_int(const std::string& s) {
  const auto value = parse_integer<int>(s);
  if (!value || *value < 0) return std::nullopt;
  return value;
}

// Applies one flag with its value (empty for flags without one); returns an error.
std::string apply(const FlagSpec& flag, const std::string& value, OpsArgs& out) {
  switch (flag.id) {
    case kZk:
      out.zk = value;
      break;
    case kCluster:
      out.globs.push_back(value);
      break;
    case kIndex: {
      size_t start = 0;
      while (start <= value.size()) {
        const size_t end = std::min(value.find(',', start), value.size());
        const auto seq = to_int(value.substr(start, end - start));
        if (!seq) return "-i takes seq numbers (e.g. -i 0,2), not '" + value + "'";
        out.seqs.insert(*seq);
        start = end + 1;
      }
      break;
    }
    case kTimeout:
      return parse_timeout_flag(value, &out.timeout);
    case kTokenFile:
      out.token_file = value;
      break;
    case kTlsCa:
      out.trust.ca_file = value;
      break;
    case kJson:
      out.json = true;
      break;
    case kForce:
      out.force = true;
      break;
    case kLong:
      out.whole = true;
      break;
    case kFile:
      out.files.push_back(value);
      break;
    case kSignal: {
      // Checked here, so a typo is a usage error rather than 400 from every
      // pod; sent by name (the pod's table may number signals differently),
      // by number only for one without a name (a real-time signal).
      const auto signo = parse_signal_name(value);
      if (!signo) {
        return "-s takes a signal name (USR1, SIGUSR1) or number (1-" + std::to_string(NSIG - 1) +
               "), not '" + value + "'";
      }
      const std::string name = signal_name(*signo);
      const nlohmann::json body = {
          {"signal", name.starts_with("SIG") ? nlohmann::json(name) : nlohmann::json(*signo)}};
      out.body = body.dump();
      break;
    }
    case kHelp:
      out.help = true;
      break;
  }
  return "";
}

const FlagSpec* find_long(std::span<const FlagSpec> flags, const std::string& name) {
  for (const auto& f : flags) {
    if (name == f.long_name) return &f;
  }
  return nullptr;
}

const FlagSpec* find_short(std::span<const FlagSpec> flags, char name) {
  for (const auto& f : flags) {
    if (f.short_name != 0 && name == f.short_name) return &f;
  }
  return nullptr;
}

// Gives the positionals their meaning; returns an error.
std::string assign(const OpsSyntax& syntax, std::vector<std::string> positionals, OpsArgs& out) {
  size_t first = 0;
  switch (syntax.positionals) {
    case Positionals::kGlobs:
      break;
    case Positionals::kPortThenGlobs: {
      if (positionals.empty()) return "missing the container port (e.g. port 8080)";
      const auto port = parse_port(positionals[0]);
      if (!port) {
        return "'" + positionals[0] + "' is not a port number";
      }
      out.port = *port;
      first = 1;
      break;
    }
    case Positionals::kJsonThenGlobs:
      if (!positionals.empty() && !positionals[0].empty() && positionals[0][0] == '{') {
        if (out.body) return "give the signal with -s or as a JSON body, not both";
        if (!nlohmann::json::parse(positionals[0], nullptr, false).is_object()) {
          return "the signal body is not a JSON object: " + positionals[0];
        }
        out.body = positionals[0];
        first = 1;
      }
      break;
    case Positionals::kToolThenArgs:
      if (positionals.empty()) return "missing the tool (e.g. exec echo foo)";
      out.tool = positionals[0];
      out.tool_args.assign(positionals.begin() + 1, positionals.end());
      return "";
  }
  for (size_t i = first; i < positionals.size(); ++i) {
    if (positionals[i].empty()) return "empty cluster glob";
    out.globs.push_back(positionals[i]);
  }
  return "";
}

}  // namespace

OpsParse parse_ops_args(const OpsSyntax& syntax, const std::vector<std::string>& args,
                        const std::map<std::string, std::string>& env) {
  OpsParse result;
  OpsArgs out;
  std::vector<std::string> positionals;
  ScanRules rules;
  if (syntax.positionals == Positionals::kToolThenArgs) {
    rules.unknown_short_hint = " (tool arguments go after --)";
  }
  const auto set = [&out](const FlagSpec& flag, const std::string& value) {
    return apply(flag, value, out);
  };
  if (auto error = scan_flags(flags_of(syntax), args, set, &positionals, rules); !error.empty()) {
    result.error = std::move(error);
    return result;
  }
  if (out.help) {
    result.args = std::move(out);
    return result;
  }
  if (auto error = assign(syntax, std::move(positionals), out); !error.empty()) {
    result.error = std::move(error);
    return result;
  }
  if (out.globs.empty()) out.globs.push_back("*");
  if (auto error = resolve_cluster_access(&out.zk, out.token_file, &out.trust, env);
      !error.empty()) {
    result.error = std::move(error);
    return result;
  }
  if (syntax.needs_force && out.seqs.empty() && !out.force) {
    result.error = "this acts on every selected pod: pick pods with -i or add --force";
    return result;
  }
  result.args = std::move(out);
  return result;
}

std::string ops_options_help(const OpsSyntax& syntax) {
  return flags_help(flags_of(syntax), kHelpWidth);
}

std::string parse_timeout_flag(const std::string& value, double* seconds) {
  const auto t = parse_c_decimal(value);
  if (!t || *t <= 0 || *t > 86400) {
    return "-t takes a positive number of seconds, not '" + value + "'";
  }
  *seconds = *t;
  return "";
}

std::string resolve_cluster_access(std::string* zk, const std::string& token_file, HttpTrust* trust,
                                   const std::map<std::string, std::string>& env) {
  if (zk->empty()) {
    if (auto it = env.find("OCHOPOD_ZK"); it != env.end()) *zk = it->second;
  }
  if (zk->empty()) return "no ZooKeeper given: use --zk <hosts> or set $OCHOPOD_ZK";
  std::string error;
  if (!parse_zk_address(*zk, &error)) return "--zk: " + error;
  if (!token_file.empty()) {
    if (!read_secret_file(token_file, &trust->token, &error)) return "--token-file: " + error;
  } else if (auto it = env.find("OCHOPOD_TOKEN"); it != env.end()) {
    if (!trim_secret(it->second, "$OCHOPOD_TOKEN", &trust->token, &error)) return error;
  }
  if (trust->ca_file.empty()) {
    if (auto it = env.find("OCHOPOD_TLS_CA"); it != env.end()) trust->ca_file = it->second;
  }
  return "";
}

std::string scan_flags(std::span<const FlagSpec> flags, const std::vector<std::string>& args,
                       const ApplyFlag& set, std::vector<std::string>* positionals,
                       const ScanRules& rules) {
  bool flags_done = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (flags_done || arg.size() < 2 || arg[0] != '-') {
      positionals->push_back(arg);
      continue;
    }
    if (arg == "--") {
      flags_done = true;
      continue;
    }
    const bool loose = positionals->size() >= rules.loose_after;
    if (arg[1] == '-') {  // --name or --name=value
      const size_t eq = arg.find('=');
      const std::string name = arg.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
      const FlagSpec* flag = find_long(flags, name);
      if (flag == nullptr && loose) {
        positionals->push_back(arg);
        continue;
      }
      if (flag == nullptr) return "unknown option --" + name;
      std::string value;
      if (flag->value == nullptr) {
        if (eq != std::string::npos) return "--" + name + " takes no value";
      } else if (eq != std::string::npos) {
        value = arg.substr(eq + 1);
      } else if (i + 1 < args.size()) {
        value = args[++i];
      } else {
        return "--" + name + " needs a value";
      }
      if (auto error = set(*flag, value); !error.empty()) return error;
      if (flag->ends_scan) return "";
      continue;
    }
    if (loose && find_short(flags, arg[1]) == nullptr) {
      positionals->push_back(arg);
      continue;
    }
    // -x, -xVALUE, -x VALUE, or grouped flags without values (-jl)
    for (size_t k = 1; k < arg.size(); ++k) {
      const FlagSpec* flag = find_short(flags, arg[k]);
      if (flag == nullptr)
        return std::string("unknown option -") + arg[k] + rules.unknown_short_hint;
      std::string value;
      if (flag->value != nullptr) {
        if (k + 1 < arg.size()) {
          value = arg.substr(k + 1);
        } else if (i + 1 < args.size()) {
          value = args[++i];
        } else {
          return std::string("-") + arg[k] + " needs a value";
        }
      }
      if (auto error = set(*flag, value); !error.empty()) return error;
      if (flag->ends_scan) return "";
      if (flag->value != nullptr) break;  // the rest of arg was its value
    }
  }
  return "";
}

std::string flags_help(std::span<const FlagSpec> flags, size_t width) {
  std::string help = "options:\n";
  for (const auto& f : flags) {
    if (f.help == nullptr) continue;
    std::string left = "  ";
    if (f.short_name != 0) left += std::string("-") + f.short_name + ", ";
    left += std::string("--") + f.long_name;
    if (f.value != nullptr) left += std::string(" ") + f.value;
    if (left.size() < width) left.resize(width, ' ');
    help += left + " " + f.help + "\n";
  }
  return help;
}

}  // namespace ochopod::cli
