// The `ochopod` command: `run` (the pod entrypoint) and the operator's
// subcommands (servo, ls, poll, info, log, port, grep, on, off, restart (alias reset), kill,
// signal, exec); see commands.h.
#include "cli/commands.h"

int main(int argc, char** argv) { return ochopod::cli::dispatch(argc, argv); }
