// The command line shared by every operator subcommand (`ochopod ls`, `info`,
// `on`, `exec`...): one parser, one set of flags, so no subcommand parses its
// own arguments.
//
// ops_commands.cpp declares, per subcommand, what its positionals mean
// (OpsSyntax) and calls parse_ops_args() with the arguments after the
// subcommand's name; it prints the one-line error (exit 2) or the help, or runs
// the subcommand with the OpsArgs. ops_options_help() is the options part of
// every subcommand's --help, generated from the same syntax.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "runtime/http/client.h"

namespace ochopod::cli {

// What a subcommand's positional arguments mean.
enum class Positionals {
  kGlobs,          // [clusters...]
  kPortThenGlobs,  // <n> [clusters...]
  kJsonThenGlobs,  // [json] [clusters...]: a first positional starting with '{' is the body
  kToolThenArgs,   // <tool> [args...]: clusters only through -c
};

struct OpsSyntax {
  Positionals positionals = Positionals::kGlobs;
  bool long_flag = false;    // accepts -l/--long (log)
  bool file_flag = false;    // accepts -f/--file (exec)
  bool needs_force = false;  // without -i, requires --force
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
  std::optional<std::string> body;  // kJsonThenGlobs: the JSON object, as given
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

}  // namespace ochopod::cli
