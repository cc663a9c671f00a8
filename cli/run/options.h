// Options of `ochopod run [options] -- <argv...>`, the generic pod entrypoint.
//
// The contract lives in docs/run.md: every option also has an environment twin
// (`ochopod_` + name with `-` -> `_`), the command line wins over the
// environment, `--name value` and `--name=value` both work, flags take no value
// (their twins take `true`/`false`), lists repeat or take comma-separated
// values. parse_run_options() turns the arguments after `run` plus the
// environment into a RunOptions, or into a one-line error naming the offending
// option or variable. It only parses and validates: cli/run/command.cpp calls
// it, prints the error (exit 2) or run_help(), and builds the pod from the
// result. All options are declared in one table in options.cpp; adding an
// option is a field here and one line there.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "runtime/base/environment.h"

namespace ochopod::cli {

struct RunOptions {
  // foundation
  double session_timeout = 5;  // seconds
  std::string bind = "0.0.0.0";
  // piped
  double check_every = 60;
  int checks = 1;
  double grace = 60;
  bool shell = false, strict = false, soft = false, pipe = false;
  std::optional<std::string> cwd;
  std::optional<std::string> sanity;
  std::vector<std::string> health;  // each "http://<ip>..." or "tcp:<port>", validated
  double restart_backoff = 10;      // cap of the crash-loop backoff, seconds
  // process manager: exit policy, liveness, jobs, hooks, environment, identity
  bool exit_with_child = false;
  std::optional<std::string> max_restarts;  // a whole number, validated
  std::vector<std::string> success_codes;   // each 0-255, validated
  std::optional<std::string> liveness;      // a --ready form, validated
  double start_period = 0;
  std::vector<std::string> jobs;       // "<name>=<command>", validated
  std::vector<std::string> job_ready;  // "<name>=<check>", naming a --job, validated
  double job_grace = 10;
  std::vector<std::string> periodic;  // "<name>=<seconds>:<command>", validated
  double periodic_timeout = 0;        // 0: ten periods
  std::optional<std::string> pre_start, post_stop;
  double hook_timeout = 60;
  std::vector<std::string> env_files;  // paths
  std::vector<std::string> file_env;   // variable names, validated
  std::optional<std::string> user;     // "<user>[:<group>]", resolved when parsed
  // reactive
  double damper = 0;
  std::vector<std::string> depends_on;
  bool full_shutdown = false, sequential = false;
  double control_timeout = 60;
  double probe_every = 60;
  std::optional<std::string> probe;
  // operating
  std::optional<std::string> binding;  // marathon|kubernetes|local|solo, validated
  std::optional<std::string> zk_acl;   // open|read|private, validated; the binding applies it
  std::vector<std::string> tools;      // "<tag>=<command>", validated
  // entrypoint: start and stop
  std::optional<std::string> ready;     // "http://...", "tcp:<port>" or "cmd:<command>", validated
  std::string stop_signal = "SIGTERM";  // a signal name or number, validated
  std::optional<std::string> drain;     // "tcp:<port>", validated
  double leave_delay = 0;               // seconds
  double stop_timeout = 0;              // seconds; 0: no budget
  // security: paths, read by the binding (their twins are what it reads)
  std::optional<std::string> token_file, tls_cert, tls_key, tls_ca;
  // entrypoint: templates and reloads
  std::vector<std::string> templates;        // "<src>:<dst>", validated
  std::optional<std::string> on_change;      // needs --template; not with --reload-signal
  std::optional<std::string> reload_signal;  // a signal name or number, validated
  // entrypoint: read by the binding too (its twin is what it reads)
  std::optional<std::string> log_format;  // text|json, validated
  std::vector<std::string> argv;          // everything after `--`, exactly as given
  std::set<std::string> given;            // option names explicitly set (CLI or env), e.g. "grace"
  bool help = false;                      // --help / -h
};

struct ParseResult {
  std::optional<RunOptions> options;  // set on success
  std::string error;                  // otherwise: one line naming the option or variable
  // On success: one line per value the parser had to change (a duration
  // below the 0.1 s minimum), for the caller to print.
  std::vector<std::string> warnings;
};

// `args` are the arguments after "run"; `env` is the process environment (only
// the `ochopod_<option>` twins are read, other variables are ignored).
ParseResult parse_run_options(const std::vector<std::string>& args, const Environment& env);

// The --help text: usage, conventions, then every option with its type,
// default, meaning and environment twin.
std::string run_help();

// Every option's name without the leading "--", in the table's order: what
// docs/run.md is checked against.
std::vector<std::string> run_option_names();

// The pieces of --job, --job-ready and --periodic values: "<name>=<rest>"
// with a job name (letters, digits, _ . -) and a non-blank rest; and a
// --periodic value's "<seconds>:<command>". nullopt when malformed.
struct NamedValue {
  std::string name, value;
};
std::optional<NamedValue> parse_named(std::string_view text);
struct PeriodicValue {
  double every = 0;  // seconds, at least the 0.1 s minimum
  std::string command;
};
std::optional<PeriodicValue> parse_periodic(std::string_view value);

}  // namespace ochopod::cli
