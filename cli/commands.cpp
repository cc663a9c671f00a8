#include "commands.h"

#include <cstdio>
#include <cstring>
#include <string>

namespace ochopod::cli {

namespace {
constexpr const char* kUsage =
    "usage: ochopod <command> [options]\n"
    "\n"
    "commands:\n"
    "  run [options] -- <command...>   run a command as a pod (see ochopod run --help)\n";
}

int dispatch(int argc, char** argv) {
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0) {
    std::fputs(kUsage, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  const std::string command = argv[1];
  if (command == "run") return run_command(argc - 1, argv + 1);
  std::fprintf(stderr, "ochopod: unknown command '%s' (try ochopod --help)\n", command.c_str());
  return 2;
}

}  // namespace ochopod::cli
