// Subcommand dispatch for the `ochopod` binary: `run` (cli/run_command.cpp)
// and the operator subcommands (cli/ops_commands.h). main.cpp calls dispatch().
#pragma once

namespace ochopod::cli {

// Picks the subcommand from argv[1] and runs it; returns the exit code.
int dispatch(int argc, char** argv);

// `ochopod run [options] -- argv...`: the generic pod entrypoint.
int run_command(int argc, char** argv);

}  // namespace ochopod::cli
