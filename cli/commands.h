// Subcommand dispatch for the `ochopod` binary.
#pragma once

namespace ochopod::cli {

// Picks the subcommand from argv[1] and runs it; returns the exit code.
int dispatch(int argc, char** argv);

// `ochopod run [options] -- argv...`: the generic pod entrypoint.
int run_command(int argc, char** argv);

}  // namespace ochopod::cli
