// Subcommand dispatch for the `ochopod` binary: `run` (cli/run/command.cpp),
// `servo` (cli/servo/command.cpp), `ui` (cli/ui/command.cpp) and the operator subcommands
// (cli/ops/commands.h). main.cpp calls dispatch().
#pragma once

#include <string>
#include <vector>

namespace ochopod::cli {

// Picks the subcommand from argv[1] and runs it; returns the exit code.
int dispatch(int argc, char** argv);

// `ochopod run [options] -- argv...`: the generic pod entrypoint.
int run_command(int argc, char** argv);

// `ochopod servo <url> <dir> <script>...`: upload and run scripts on a servo
// pod (cli/servo/command.cpp).
int servo_command(const std::vector<std::string>& args);

// `ochopod ui [options]`: the operator dashboard (cli/ui/command.cpp).
int ui_command(const std::vector<std::string>& args);

}  // namespace ochopod::cli
