// The command line shared by every operator subcommand (`ochopod ls`, `info`,
// `on`, `exec`...): one parser, one set of flags, so no subcommand parses its
// own arguments.
//
// cli/ops/commands.cpp declares, per subcommand, what its positionals mean
// (OpsSyntax) and calls parse_ops_args() with the arguments after the
// subcommand's name; it prints the one-line error (exit 2) or the help, or runs
// the subcommand with the OpsArgs. ops_options_help() is the options part of
// every subcommand's --help, generated from the same syntax. Below them,
// scan_flags() and flags_help() read and describe a table of flags for any
// command of cli/ (`ochopod servo` too). Main thread.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "runtime/http/client.h"

namespace ochopod::cli {

// One flag of a command's table.
struct FlagSpec {
  int id;                  // the command's own name for it (an enum of its own)
  char short_name;         // 0: none
  const char* long_name;   // without "--"
  const char* value;       // nullptr: takes no value; else how the help names it
  const char* help;        // nullptr: left out of the help
  bool ends_scan = false;  // nothing after it is read (a help printed at once)
};

// What a command reads differently.
struct ScanRules {
  // Appended to the error of an unknown -x.
  std::string unknown_short_hint;
  // Once this many positionals are read, an argument that names no flag is
  // one more positional.
  size_t loose_after = static_cast<size_t>(-1);
};

// Sets one flag found (value: "" for a flag without one); returns an error,
// or "".
using ApplyFlag = std::function<std::string(const FlagSpec& flag, const std::string& value)>;

// Reads args against flags: --name, --name=value, --name value, -x, -xVALUE,
// -x VALUE and grouped flags without values (-jl); "--" ends the flags; "-"
// and what does not start with '-' are positionals. Returns the first error
// (one line), or "".
std::string scan_flags(std::span<const FlagSpec> flags, const std::vector<std::string>& args,
                       const ApplyFlag& set, std::vector<std::string>* positionals,
                       const ScanRules& rules = {});

// "options:" and a line per flag with a help, its meaning after column
// `width` (or one space after a longer left part).
std::string flags_help(std::span<const FlagSpec> flags, size_t width);

// What a subcommand's positional arguments mean.
enum class Positionals {
  kGlobs,          // [clusters...]
  kPortThenGlobs,  // <n> [clusters...]
  kJsonThenGlobs,  // [json] [clusters...]: a first positional starting with '{' is the body
                   // (or -s <SIG> when signal_flag)
  kToolThenArgs,   // <tool> [args...]: clusters only through -c
};

struct OpsSyntax {
  Positionals positionals = Positionals::kGlobs;
  bool long_flag = false;    // accepts -l/--long (log)
  bool file_flag = false;    // accepts -f/--file (exec)
  bool needs_force = false;  // without -i, requires --force
  bool signal_flag = false;  // accepts -s/--signal (signal): the body {"signal": "<SIG>"}
};

struct OpsArgs {
  std::string zk;                   // --zk, else $OCHOPOD_ZK
  std::vector<std::string> globs;   // cluster globs (positionals and -c), default {"*"}
  std::set<int> seqs;               // -i: pods picked by seq; empty = every pod
  double timeout = 5;               // -t: seconds each pod gets to answer
  HttpTrust trust;                  // --token-file or $OCHOPOD_TOKEN; --tls-ca or $OCHOPOD_TLS_CA
  bool json = false;                // -j
  bool force = false;               // --force
  bool whole = false;               // -l
  bool help = false;                // -h / --help
  int port = 0;                     // kPortThenGlobs: the container port
  std::optional<std::string> body;  // kJsonThenGlobs: the JSON object, as given, or -s's
  std::string tool;                 // kToolThenArgs: the tool's tag
  std::vector<std::string> tool_args;
  std::vector<std::string> files;  // -f: files to upload
  std::string token_file;          // --token-file, as given
};

struct OpsParse {
  std::optional<OpsArgs> args;  // set on success
  std::string error;            // otherwise: one line
};

// `args` are the arguments after the subcommand's name; only OCHOPOD_ZK,
// OCHOPOD_TOKEN and OCHOPOD_TLS_CA are read from `env`.
OpsParse parse_ops_args(const OpsSyntax& syntax, const std::vector<std::string>& args,
                        const std::map<std::string, std::string>& env);

// The "options:" block of a subcommand's --help.
std::string ops_options_help(const OpsSyntax& syntax);

// What every command that reads the clusters (these and `ochopod ui`) takes
// alike. -t's value: seconds, positive, at most a day; returns an error or "".
std::string parse_timeout_flag(const std::string& value, double* seconds);
// *zk: --zk as given, else $OCHOPOD_ZK, required and checked; trust: the token
// of token_file (--token-file) else $OCHOPOD_TOKEN, and --tls-ca (already in
// trust->ca_file) else $OCHOPOD_TLS_CA. Returns the first error, or "".
std::string resolve_cluster_access(std::string* zk, const std::string& token_file, HttpTrust* trust,
                                   const std::map<std::string, std::string>& env);

}  // namespace ochopod::cli
