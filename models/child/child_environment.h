// The child's environment read from files, at each of its starts (the Piped
// model's env_files and file_env, `ochopod run --env-file`/`--file-env`):
// files of KEY=VALUE lines, and Docker's *_FILE convention, where NAME gets
// the contents of the file that the pod's NAME_FILE names.
//
// Called where the child's SpawnRequest is built, on the lifecycle thread
// (it reads files: never between fork and exec). The values may be secrets:
// nothing here logs, and no error message quotes a file's contents (a line
// or a file is named by where it is, never by what it holds).
//
// An env file, line by line (no expansion, no escapes, no multi-line values):
// - blank lines and lines whose first non-blank byte is '#' are skipped
//   ('#' later in a line is part of the value);
// - an optional "export " prefix;
// - KEY=VALUE, KEY a name (letters, digits, '_', not starting with a digit),
//   no blank around '=';
// - VALUE unquoted: taken as written, blanks at both ends dropped; or quoted
//   whole in '...' or "...": what is between the quotes, kept as is, with
//   only blanks allowed after the closing quote;
// - a '\r' ending a line (a file written on Windows) is dropped;
// - a later KEY wins, as it would in the shell.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "runtime/base/environment.h"

namespace ochopod::detail {

// Files larger than this are refused, env files and *_FILE files alike.
inline constexpr size_t kMaxEnvFileBytes = 1024 * 1024;

struct EnvResult {
  std::vector<std::pair<std::string, std::string>> env;  // in file order
  std::string error;                                     // empty on success
};

// text as an env file; errors name origin and line ("app.env:3: ...").
EnvResult parse_env_file(std::string_view text, std::string_view origin);

// The env files in order, then for each NAME of file_env_names: NAME = the
// contents of the file pod_env's NAME_FILE names, one trailing newline
// dropped. The first problem is the error: a file missing, unreadable, too
// large or malformed, a NAME that is not a name, NAME_FILE not set.
EnvResult read_child_environment(const std::vector<std::string>& env_files,
                                 const std::vector<std::string>& file_env_names,
                                 const Environment& pod_env);

}  // namespace ochopod::detail
