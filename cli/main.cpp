// The `ochopod` command. Subcommands: run (the pod entrypoint).
#include "commands.h"

int main(int argc, char** argv) { return ochopod::cli::dispatch(argc, argv); }
