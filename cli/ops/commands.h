// The operator subcommands of `ochopod` (what ochothon's toolset did): ls,
// poll, info, log, port, grep, on, off, restart (alias reset), kill, signal, exec. One table
// declares them (syntax, help, per-pod action, output style); one driver runs
// any of them: parse (ops_args) -> read ZooKeeper (ops_zk) -> call the pods in
// parallel (ops_actions, ops_http) -> print (ops_report) -> exit status.
// commands.cpp dispatches here.
#pragma once

#include <string>
#include <vector>

namespace ochopod::cli {

// True if name is one of the operator subcommands.
bool is_ops_command(const std::string& name);

// Runs subcommand `name` with the arguments after it. Exit status: 0 every
// pod answered and succeeded, 1 some pod failed or did not answer (or
// ZooKeeper could not be read, or nothing matched), 2 usage error.
int run_ops_command(const std::string& name, const std::vector<std::string>& args);

// One line per subcommand, for `ochopod --help`.
std::string ops_commands_usage();

}  // namespace ochopod::cli
